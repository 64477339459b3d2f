Feature: My security timeline
  Everything security-relevant that happened to my account, newest first, as a hash chain I can
  check.

  Background:
    Given a registered user "tim@example.com" with password "OldPassword123!"

  Scenario: The timeline shows what happened, newest first, and verifies
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "tim@example.com", "password": "WrongPassword123!"}
      """
    Then the response status should be 401
    Given I am logged in as "tim@example.com"
    When I send a POST request to "/api/v1/auth/change-password" with body:
      """
      {"current_password": "OldPassword123!", "new_password": "NewSecurePass123!", "confirm_password": "NewSecurePass123!"}
      """
    Then the response status should be 204
    When within 10 seconds my timeline has 5 events
    And I send a GET request to "/api/v1/users/me/security-events"
    Then the response status should be 200
    And the response field "events.0.type" should be "session_revoked"
    And the response field "events.0.detail" should be "password_change"
    And the response field "events.1.type" should be "password_changed"
    And the response field "events.4.type" should be "registered"
    And the response field "events.4.seq" should equal 1
    And the response should not contain "OldPassword123!"
    When I remember the response field "events.4.hash" as "first"
    Then the response field "events.3.prev_hash" should be "{first}"
    When I send a GET request to "/api/v1/users/me/security-events/verify"
    Then the response status should be 200
    And the response field "valid" should equal true
    And the response field "events" should equal 5

  Scenario: A wrong password and a successful login are both on the timeline
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "tim@example.com", "password": "WrongPassword123!"}
      """
    And I am logged in as "tim@example.com"
    And within 10 seconds my timeline has 3 events
    And I send a GET request to "/api/v1/users/me/security-events"
    Then the response should match JSON:
      """
      {"events": [{"type": "<string>"}, {"type": "<string>"}, {"type": "registered", "seq": 1}]}
      """

  Scenario: The timeline comes in pages
    Given I am logged in as "tim@example.com"
    And "tim@example.com" has logged in as session "second"
    And within 10 seconds my timeline has 3 events
    When I send a GET request to "/api/v1/users/me/security-events?limit=2"
    Then the response field "events.0.seq" should equal 3
    And the response field "events.1.seq" should equal 2
    And the response field "events.2" should not exist
    When I remember the response field "next" as "cursor"
    And I send a GET request to "/api/v1/users/me/security-events?limit=2&before={cursor}"
    Then the response field "events.0.seq" should equal 1
    And the response field "events.1" should not exist
    And the response field "next" should equal null

  Scenario Outline: A bad page size or cursor is a validation error
    Given I am logged in as "tim@example.com"
    When I send a GET request to "/api/v1/users/me/security-events?<query>"
    Then the response should be a validation error at "<loc>"

    Examples:
      | query           | loc          |
      | limit=0         | query.limit  |
      | limit=101       | query.limit  |
      | limit=ten       | query.limit  |
      | before=%21%21%21 | query.before |

  Scenario: The timeline needs a session
    When I send a GET request to "/api/v1/users/me/security-events"
    Then the response status should be 401
    When I send a GET request to "/api/v1/users/me/security-events/verify"
    Then the response status should be 401
