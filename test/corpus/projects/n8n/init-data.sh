#!/bin/bash
set -e;
