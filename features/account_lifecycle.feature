Feature: My account's end, and my data
  DELETE /api/v1/users/me deletes my account once my password checks out; GET
  /api/v1/users/me/export hands me everything the service keeps about me, a few times an hour.
  Whatever ends an account or a session, no token outlives the answer that ended it.

  Scenario: Deleting my account ends every session, refuses its login and frees its email
    Given a registered user "dora@example.com"
    And "dora@example.com" has logged in as session "phone"
    And I am logged in as "dora@example.com"
    When I send a DELETE request to "/api/v1/users/me" with body:
      """
      {"current_password": "SecurePass123!"}
      """
    Then the response status should be 204
    And the response body should be empty
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I use session "phone"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{phone.refresh_token}"}
      """
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "dora@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 401
    And the response should be an error with code "invalid_credentials"
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "dora@example.com", "password": "OtherPass456!", "confirm_password": "OtherPass456!",
       "first_name": "Dora", "last_name": "Again"}
      """
    Then the response status should be 201
    And the response field "id" should not be "{dora.id}"

  Scenario: A wrong password deletes nothing, and counts toward the login lockout
    Given a registered user "dora@example.com"
    And I am logged in as "dora@example.com"
    When I send a DELETE request to "/api/v1/users/me" with body:
      """
      {"current_password": "WrongPass123!"}
      """
    Then the response status should be 400
    And the response should be an error with code "wrong_password"
    When I send the same request 4 more times
    Then each of them should have status 400
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 200
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "dora@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 429
    And the response should be an error with code "too_many_attempts"

  Scenario Outline: A malformed deletion is a validation error and deletes nothing
    Given a registered user "dora@example.com"
    And I am logged in as "dora@example.com"
    When I send a DELETE request to "/api/v1/users/me" with body:
      """
      <body>
      """
    Then the response should be a validation error at "<loc>" of type "<type>"
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 200

    Examples:
      | body                                                  | loc                   | type            |
      | {}                                                    | body.current_password | missing         |
      | {"current_password": 12345678}                        | body.current_password | string_type     |
      | {"current_password": "SecurePass123!", "really": true} | body.really           | extra_forbidden |

  Scenario: Deleting needs a session
    When I send a DELETE request to "/api/v1/users/me" with body:
      """
      {"current_password": "SecurePass123!"}
      """
    Then the response status should be 401

  Scenario: My export is a download of my profile, my sessions and my whole timeline
    Given a registered user "exa@example.com"
    And "exa@example.com" has logged in as session "phone"
    And I am logged in as "exa@example.com"
    When I send a GET request to "/api/v1/users/me/export"
    Then the response status should be 200
    And the response header "Content-Disposition" should be "attachment; filename=\"authd-export-{exa.id}.json\""
    And the response should match JSON:
      """
      {"exported_at": "<timestamp>",
       "user": {"id": "{exa.id}", "email": "exa@example.com", "is_active": true, "roles": []},
       "security_events": [{"type": "registered", "seq": 1}, {"type": "login_succeeded"}, {"type": "login_succeeded"}, {"type": "account_exported"}]}
      """
    And the response field "sessions.1.id" should match "."
    And the response field "sessions.2" should not exist
    And the response should not contain "SecurePass123!"
    When I send a GET request to "/api/v1/users/me/security-events"
    Then the response field "events.0.type" should be "account_exported"

  Scenario: Ten exports an hour, then 429
    Given a registered user "exa@example.com"
    And I am logged in as "exa@example.com"
    When I send a GET request to "/api/v1/users/me/export" 10 times
    Then each of them should have status 200
    When I send the same request again
    Then the response status should be 429
    And the response header "Retry-After" should be present

  Scenario: Exporting needs a session
    When I send a GET request to "/api/v1/users/me/export"
    Then the response status should be 401

  @admin
  Scenario: No token outlives a deactivation, whatever a refresh racing it did
    When 8 users each refresh their session while an administrator deactivates them
    Then no token outlives the answer that ended it

  Scenario: No token outlives the deletion of its account, whatever a login racing it did
    When 8 new users each log in while another of their sessions deletes the account
    Then no token outlives the answer that ended it
