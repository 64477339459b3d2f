Feature: Operating the service: metrics, public keys and browser access
  Operators scrape Prometheus metrics, resource servers fetch the keys that verify tokens, and
  browser scripts from other sites get no access unless an operator lists their origins.

  @direct
  Scenario: Metrics answer in Prometheus' text format and count a login
    Given a registered user "metrics@example.com"
    When I send a GET request to "/metrics"
    Then the response status should be 200
    And the response header "Content-Type" should contain "text/plain"
    And I remember the metric "authd_logins_total" with labels "outcome=success" as "logins"
    And I remember the metric "authd_http_requests_total" with labels "route=/api/v1/auth/login,method=POST,status=200" as "login_requests"
    And I remember the metric "authd_password_hash_duration_seconds_count" with labels "op=verify" as "verifications"
    And I remember the metric "authd_db_operation_duration_seconds_count" with labels "store=sessions,operation=open" as "opened"
    When I am logged in as "metrics@example.com"
    And I send a GET request to "/metrics"
    Then the metric "authd_logins_total" with labels "outcome=success" should have grown by at least 1 since "logins"
    And the metric "authd_http_requests_total" with labels "route=/api/v1/auth/login,method=POST,status=200" should have grown by at least 1 since "login_requests"
    And the metric "authd_password_hash_duration_seconds_count" with labels "op=verify" should have grown by at least 1 since "verifications"
    And the metric "authd_db_operation_duration_seconds_count" with labels "store=sessions,operation=open" should have grown by at least 1 since "opened"
    And the metric "go_goroutines" should be at least 1
    And the response should not contain "metrics@example.com"

  @direct
  Scenario: A wrong password counts as bad credentials
    Given a registered user "metrics@example.com"
    When I send a GET request to "/metrics"
    And I remember the metric "authd_logins_total" with labels "outcome=bad_credentials" as "failures"
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "metrics@example.com", "password": "WrongPass123!"}
      """
    Then the response status should be 401
    When I send a GET request to "/metrics"
    Then the metric "authd_logins_total" with labels "outcome=bad_credentials" should have grown by at least 1 since "failures"

  @direct
  Scenario: Metrics name routes by their template, never by the path a client sent
    Given a registered user "alice@example.com"
    And I am logged in as "alice@example.com"
    When I send a GET request to "/metrics"
    And I remember the metric "authd_http_requests_total" with labels "route=/api/v1/users/{user_id},method=GET,status=404" as "unknown_users"
    And I remember the metric "authd_http_requests_total" with labels "route=unmatched,status=404" as "unmatched"
    When I send a GET request to "/api/v1/users/507f1f77bcf86cd799439011"
    Then the response status should be 404
    When I send a GET request to "/api/v1/no-such-place-7f3a"
    Then the response status should be 404
    When I send a GET request to "/metrics"
    Then the metric "authd_http_requests_total" with labels "route=/api/v1/users/{user_id},method=GET,status=404" should have grown by at least 1 since "unknown_users"
    And the metric "authd_http_requests_total" with labels "route=unmatched,status=404" should have grown by at least 1 since "unmatched"
    And the response should not contain "507f1f77bcf86cd799439011"
    And the response should not contain "no-such-place"

  Scenario: The keys that verify tokens are published as a JSON Web Key Set
    When I send a GET request to "/.well-known/jwks.json"
    Then the response status should be 200
    And the response header "Content-Type" should contain "application/json"
    And the response should match JSON:
      """
      {"keys": "<any>"}
      """

  Scenario: With HS256 the key set is empty, since the shared secret must never be published
    When I send a GET request to "/.well-known/jwks.json"
    Then the response status should be 200
    And the response field "keys" should equal []

  Scenario: Cross-origin access is off unless an operator lists origins
    Given the next request has header "Origin" set to "https://elsewhere.example.net"
    When I send a GET request to "/healthz"
    Then the response status should be 200
    And the response header "Access-Control-Allow-Origin" should not be present

  Scenario: A cross-origin preflight gets no permission either
    Given the next request has the headers:
      | Origin                         | https://elsewhere.example.net |
      | Access-Control-Request-Method  | POST                          |
      | Access-Control-Request-Headers | authorization, content-type   |
    When I send a OPTIONS request to "/api/v1/auth/login"
    Then the response status should be 405
    And the response header "Access-Control-Allow-Origin" should not be present
    And the response header "Access-Control-Allow-Methods" should not be present
