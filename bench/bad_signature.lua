-- wrk script: POST /pull with a well-formed but wrong signature and a current
-- timestamp, so every request runs the full HMAC check and is refused (401).
wrk.method = "POST"
wrk.body = '{"container_name": "dhbench-flood"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Timestamp"] = tostring(os.time())
wrk.headers["X-Signature"] = string.rep("0", 64)

done = function(summary, latency, requests)
  io.write(string.format(
    "WRK_JSON {\"requests\":%d,\"duration_us\":%d,\"p50_us\":%d,\"p90_us\":%d,\"p99_us\":%d," ..
    "\"max_us\":%d,\"non_2xx\":%d,\"errors_connect\":%d,\"errors_read\":%d," ..
    "\"errors_write\":%d,\"errors_timeout\":%d}\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.errors.status, summary.errors.connect,
    summary.errors.read, summary.errors.write, summary.errors.timeout))
end
