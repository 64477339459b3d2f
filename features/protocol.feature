Feature: HTTP behaviour every client can rely on
  Errors are JSON with a clear status; nothing is ever a 500, a hang or a stack trace.

  Scenario: Health and readiness
    When I send a GET request to "/healthz"
    Then the response status should be 200
    And the response field "status" should be "ok"
    When I send a GET request to "/readyz"
    Then the response status should be 200
    And the response field "status" should be "ready"

  Scenario: Every response carries the security headers and a request id
    When I send a GET request to "/healthz"
    Then the response header "X-Content-Type-Options" should be "nosniff"
    And the response header "X-Request-ID" should be present

  Scenario Outline: Every answer, success or error, forbids caching, sniffing and framing
    When I send a <method> request to "<path>"
    Then the response status should be <status>
    And the response header "Cache-Control" should be "no-store"
    And the response header "Pragma" should be "no-cache"
    And the response header "X-Content-Type-Options" should be "nosniff"
    And the response header "X-Frame-Options" should be "DENY"
    And the response header "Referrer-Policy" should be "no-referrer"
    And the response header "Content-Security-Policy" should contain "frame-ancestors 'none'"

    Examples:
      | method | path                 | status |
      | GET    | /healthz             | 200    |
      | GET    | /api/v1/users/me     | 401    |
      | POST   | /api/v1/auth/login   | 422    |
      | GET    | /api/v1/nowhere      | 404    |

  Scenario: A sane request id from the client is echoed
    Given the next request has header "X-Request-ID" set to "trace-123"
    When I send a GET request to "/healthz"
    Then the response header "X-Request-ID" should be "trace-123"

  Scenario: A request id that is not sane is replaced by one of the service's own
    Given the next request has header "X-Request-ID" set to "trace \"123\" <script>"
    When I send a GET request to "/healthz"
    Then the response header "X-Request-ID" should match "^[A-Za-z0-9._:-]{1,128}$"

  Scenario: An unknown route is a JSON 404
    When I send a GET request to "/api/v1/nothing-here"
    Then the response status should be 404
    And the response should be an error with code "not_found"
    And the response header "X-Content-Type-Options" should be "nosniff"

  Scenario: A wrong method is a JSON 405
    When I send a GET request to "/api/v1/auth/login"
    Then the response status should be 405
    And the response should be an error with code "method_not_allowed"

  @direct
  Scenario: A body over 1 MiB is refused with 413
    When I send a POST request to "/api/v1/auth/register" with a JSON body of 1100000 bytes
    Then the response status should be 413
    And the response should be an error with code "body_too_large"

  Scenario: A body that is not JSON is refused with 415
    When I send a POST request to "/api/v1/auth/login" with content type "application/x-www-form-urlencoded" and body:
      """
      email=a%40example.com&password=x
      """
    Then the response status should be 415
    And the response should be an error with code "unsupported_media_type"

  Scenario Outline: Malformed JSON is a 422 json_invalid
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      <body>
      """
    Then the response should be a validation error at "body" of type "json_invalid"

    Examples:
      | body                                                                  |
      | {"email": "a@example.com", "password": "x"                            |
      | {"email": "a@example.com", "password": "x"} trailing                  |
      | {"email": "a@example.com", "password": "x"}{"email": "b@example.com"} |
      | {"email": "a@example.com", "email": "b@example.com", "password": "x"} |
      | {'email': 'a@example.com'}                                            |

  Scenario Outline: A body that is not an object is a 422
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      <body>
      """
    Then the response should be a validation error at "body"

    Examples:
      | body       |
      | null       |
      | []         |
      | 42         |
      | "a string" |

  Scenario: An empty body is a 422 at body
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      """
    Then the response should be a validation error at "body" of type "missing"

  Scenario: Deeply nested JSON is refused, not recursed into
    When I send a POST request to "/api/v1/auth/login" with JSON nested 100000 levels deep
    Then the response status should be 422

  Scenario: A NUL character in a string is refused
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "nul\u0000@example.com", "password": "SecurePass123!"}
      """
    Then the response should be a validation error at "body.email" of type "value_error"

  @direct
  Scenario: A body cut short of its Content-Length is a 400 malformed_body, counted, and stores nothing
    When I send a GET request to "/metrics"
    And I remember the metric "authd_http_malformed_bodies_total" with labels "reason=truncated" as "before"
    When I send on a new connection, then close its sending side:
      """
      POST /api/v1/auth/register HTTP/1.1\r\nHost: authd\r\nContent-Type: application/json\r\n
      X-Forwarded-For: {client_ip}\r\nContent-Length: 400\r\n\r\n
      {"email": "cut@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
      """
    Then the response status should be 400
    And the response should be an error with code "malformed_body"
    And the response field "detail" should be "The request body could not be read: it ended before its declared length"
    And the connection should have carried 1 response and been closed
    When I send a GET request to "/metrics"
    Then the metric "authd_http_malformed_bodies_total" with labels "reason=truncated" should have grown by at least 1 since "before"
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "cut@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!", "first_name": "Cut", "last_name": "Short"}
      """
    Then the response status should be 201

  @direct
  Scenario: A chunk size of 2^72 is a 400 malformed_body, counted
    When I send a GET request to "/metrics"
    And I remember the metric "authd_http_malformed_bodies_total" with labels "reason=chunked" as "before"
    When I send on a new connection:
      """
      POST /api/v1/auth/login HTTP/1.1\r\nHost: authd\r\nContent-Type: application/json\r\n
      Transfer-Encoding: chunked\r\n\r\n
      ffffffffffffffffff\r\n{}\r\n0\r\n\r\n
      """
    Then the response status should be 400
    And the response should be an error with code "malformed_body"
    And the response field "detail" should be "The request body could not be read: its chunked transfer coding is malformed"
    And the connection should have carried 1 response and been closed
    When I send a GET request to "/metrics"
    Then the metric "authd_http_malformed_bodies_total" with labels "reason=chunked" should have grown by at least 1 since "before"

  @direct
  Scenario: A chunk-size line that ends in a bare LF is a 400 malformed_body
    When I send on a new connection:
      """
      POST /api/v1/auth/login HTTP/1.1\r\nHost: authd\r\nContent-Type: application/json\r\n
      Transfer-Encoding: chunked\r\n\r\n
      2\n{}\r\n0\r\n\r\n
      """
    Then the response status should be 400
    And the response should be an error with code "malformed_body"
    And the connection should have carried 1 response and been closed

  @direct
  Scenario: A chunk size that is not hexadecimal is a 400 malformed_body
    When I send on a new connection:
      """
      POST /api/v1/auth/login HTTP/1.1\r\nHost: authd\r\nContent-Type: application/json\r\n
      Transfer-Encoding: chunked\r\n\r\n
      zz\r\n{}\r\n0\r\n\r\n
      """
    Then the response status should be 400
    And the response should be an error with code "malformed_body"
    And the connection should have carried 1 response and been closed

  Scenario: 80,000 unknown members get a short 422 that lists 20 problems and counts the rest
    When I send a POST request to "/api/v1/auth/login" with 80000 unknown members
    Then the response status should be 422
    And the response field "detail.0.loc" should equal ["body", "x0"]
    And the response field "detail.19.type" should be "extra_forbidden"
    And the response field "detail.20.type" should be "too_many_errors"
    And the response field "detail.20.loc" should equal ["body"]
    And the response field "detail.20.msg" should be "79982 more problems were not listed"
    And the response field "detail.21" should not exist
    And the response body should be at most 4096 bytes

  Scenario: A member name of 500,000 characters is not echoed back whole
    When I send a POST request to "/api/v1/auth/login" with an unknown member whose name is 500000 characters long
    Then the response status should be 422
    And the response field "detail.0.type" should be "extra_forbidden"
    And the response field "detail.0.loc.1" should match "^a{61}…$"
    And the response body should be at most 1024 bytes

  @direct
  Scenario: A request with both Content-Length and Transfer-Encoding is the last one on its connection
    # A front end that frames by Content-Length forwards all 54 bytes as this request's body; the
    # service frames by the chunked coding, so the GET after "0" must not be served as a request.
    When I send on a new connection:
      """
      POST /api/v1/auth/login HTTP/1.1\r\nHost: authd\r\nContent-Type: application/json\r\n
      Content-Length: 54\r\nTransfer-Encoding: chunked\r\n\r\n
      0\r\n\r\n
      GET /api/v1/zz-smuggled HTTP/1.1\r\nHost: authd\r\n\r\n
      """
    Then the response status should be 422
    And the response header "Connection" should be "close"
    And the connection should have carried 1 response and been closed

  @direct
  Scenario: An HTTP/1.0 request with Transfer-Encoding is the last one on its connection
    When I send on a new connection:
      """
      POST /api/v1/auth/login HTTP/1.0\r\nHost: authd\r\nConnection: keep-alive\r\nContent-Type: application/json\r\n
      Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n
      GET /api/v1/zz-smuggled HTTP/1.1\r\nHost: authd\r\n\r\n
      """
    Then the response status should be 422
    And the response header "Connection" should be "close"
    And the connection should have carried 1 response and been closed

  @direct
  Scenario: A header block over 64 KiB is refused with 431 by the HTTP server itself
    When I send a GET request to "/healthz" on a new connection with a header of 80000 bytes
    Then the response status should be 431
    And the response header "Content-Type" should contain "text/plain"
    And the connection should have carried 1 response and been closed
    When I send a GET request to "/healthz" on a new connection with a header of 60000 bytes
    Then the response status should be 200
