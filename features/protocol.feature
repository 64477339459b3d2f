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

  Scenario: An unknown route is a JSON 404
    When I send a GET request to "/api/v1/nothing-here"
    Then the response status should be 404
    And the response should be an error with code "not_found"
    And the response header "X-Content-Type-Options" should be "nosniff"

  Scenario: A wrong method is a JSON 405
    When I send a GET request to "/api/v1/auth/login"
    Then the response status should be 405
    And the response should be an error with code "method_not_allowed"

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
