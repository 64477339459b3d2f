Feature: My sessions
  A user sees where they are logged in and ends any of those sessions, or all but the current one.

  Background:
    Given a registered user "sam@example.com"

  Scenario: The list shows every live session, newest first, with its client
    Given the next request has header "User-Agent" set to "Phone/1.0"
    And "sam@example.com" has logged in as session "phone"
    And the next request has header "User-Agent" set to "Laptop/2.0"
    And I am logged in as "sam@example.com"
    When I send a GET request to "/api/v1/users/me/sessions"
    Then the response status should be 200
    And the response field "sessions.0.current" should equal true
    And the response field "sessions.0.client.user_agent" should be "Laptop/2.0"
    And the response field "sessions.1.current" should equal false
    And the response field "sessions.1.client.user_agent" should be "Phone/1.0"
    And the response field "sessions.2" should not exist
    And the response field "sessions.1.id" should match "^[0-9a-f]{24}$"
    And the response field "sessions.1.created_at" should match "^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"
    And the response field "sessions.1.last_used_at" should match "^\d{4}-"
    And the response field "sessions.1.expires_at" should match "^\d{4}-"

  Scenario: The client's address is kept as its network only
    Given the next request has header "X-Forwarded-For" set to "203.0.113.77"
    And I am logged in as "sam@example.com"
    When I send a GET request to "/api/v1/users/me/sessions"
    Then the response field "sessions.0.client.ip" should be "203.0.113.0"

  Scenario: Ending a session stops its tokens at once, and it leaves the list
    Given "sam@example.com" has logged in as session "phone"
    And I am logged in as "sam@example.com"
    When I send a GET request to "/api/v1/users/me/sessions"
    And I remember the response field "sessions.1.id" as "phone_id"
    And I send a DELETE request to "/api/v1/users/me/sessions/{phone_id}"
    Then the response status should be 204
    And the response body should be empty
    When I send a GET request to "/api/v1/users/me/sessions"
    Then the response field "sessions.1" should not exist
    When I use session "phone"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{phone.refresh_token}"}
      """
    Then the response status should be 401

  Scenario: Someone else's session is not found, and goes on working
    Given a registered user "tia@example.com"
    And "tia@example.com" has logged in as session "tia"
    When I use session "tia"
    And I send a GET request to "/api/v1/users/me/sessions"
    And I remember the response field "sessions.0.id" as "tia_id"
    And I am logged in as "sam@example.com"
    And I send a DELETE request to "/api/v1/users/me/sessions/{tia_id}"
    Then the response status should be 404
    And the response should be an error with code "session_not_found"
    When I use session "tia"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 200

  Scenario: An unknown or malformed session id
    Given I am logged in as "sam@example.com"
    When I send a DELETE request to "/api/v1/users/me/sessions/0123456789abcdef01234567"
    Then the response status should be 404
    And the response should be an error with code "session_not_found"
    When I send a DELETE request to "/api/v1/users/me/sessions/not-an-id"
    Then the response should be a validation error at "path.session_id"

  Scenario: Ending every other session keeps only this one
    Given "sam@example.com" has logged in as session "phone"
    And "sam@example.com" has logged in as session "tablet"
    And I am logged in as "sam@example.com"
    When I send a POST request to "/api/v1/users/me/sessions/revoke-others"
    Then the response status should be 204
    When I send a GET request to "/api/v1/users/me/sessions"
    Then the response field "sessions.0.current" should equal true
    And the response field "sessions.1" should not exist
    When I use session "tablet"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{phone.refresh_token}"}
      """
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 200

  Scenario: Sessions need a session
    When I send a GET request to "/api/v1/users/me/sessions"
    Then the response status should be 401
    When I send a POST request to "/api/v1/users/me/sessions/revoke-others"
    Then the response status should be 401
