-- wrk script for bench/login.py: every request is an email/password login.
wrk.method = "POST"
wrk.body = '{"email":"bench@example.com","password":"bench-password-123"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-Appwrite-Project"] = "bench"

-- Count only successful logins (201); anything else would inflate the rate.
local created = 0
function response(status, headers, body)
  if status == 201 then created = created + 1 end
end
