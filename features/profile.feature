Feature: My profile
  A logged-in user reads and updates their own profile.

  Background:
    Given a registered user "erin@example.com"
    And I am logged in as "erin@example.com"

  Scenario: Read my profile
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 200
    And the response should match JSON:
      """
      {"id": "{erin.id}", "email": "erin@example.com", "is_active": true, "is_verified": false,
       "created_at": "<timestamp>", "last_login": "<timestamp>",
       "profile": {"first_name": "Test", "last_name": "Erin", "bio": null, "phone_number": null}}
      """

  Scenario: Update every field
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"first_name": "John", "last_name": "Doe", "bio": "Software developer passionate about technology",
       "phone_number": "+1234567890"}
      """
    Then the response status should be 200
    And the response should match JSON:
      """
      {"id": "{erin.id}", "email": "erin@example.com",
       "profile": {"first_name": "John", "last_name": "Doe",
                   "bio": "Software developer passionate about technology", "phone_number": "+1234567890"}}
      """
    When I send a GET request to "/api/v1/users/me"
    Then the response field "profile.phone_number" should be "+1234567890"

  Scenario: Omitted fields are unchanged and null clears bio and phone number
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"bio": "Hello", "phone_number": "+441234567890"}
      """
    Then the response status should be 200
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"bio": null}
      """
    Then the response status should be 200
    And the response should match JSON:
      """
      {"profile": {"first_name": "Test", "last_name": "Erin", "bio": null, "phone_number": "+441234567890"}}
      """
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"phone_number": null}
      """
    Then the response field "profile.phone_number" should equal null

  Scenario: An empty update changes nothing
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {}
      """
    Then the response status should be 200
    And the response field "profile.first_name" should be "Test"

  Scenario Outline: Invalid updates are refused and change nothing
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"bio": "kept", <change>}
      """
    Then the response should be a validation error at "<loc>" of type "<type>"
    When I send a GET request to "/api/v1/users/me"
    Then the response field "profile.bio" should equal null
    And the response field "email" should be "erin@example.com"
    And the response field "is_verified" should equal false

    Examples:
      | change                          | loc                | type             |
      | "first_name": ""                | body.first_name    | string_too_short |
      | "first_name": null              | body.first_name    | string_type      |
      | "last_name": "   "              | body.last_name     | string_too_short |
      | "phone_number": "12345"         | body.phone_number  | value_error      |
      | "phone_number": "+0123456789"   | body.phone_number  | value_error      |
      | "phone_number": 1234567890      | body.phone_number  | string_type      |
      | "email": "new@example.com"      | body.email         | extra_forbidden  |
      | "is_verified": true             | body.is_verified   | extra_forbidden  |
      | "is_active": false              | body.is_active     | extra_forbidden  |
      | "id": "507f1f77bcf86cd799439011" | body.id           | extra_forbidden  |
      | "password": "NewSecurePass123!" | body.password      | extra_forbidden  |
      | "BIO": "case"                   | body.BIO           | extra_forbidden  |

  Scenario: A bio longer than 500 characters is refused
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"bio": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"}
      """
    Then the response should be a validation error at "body.bio" of type "string_too_long"

  Scenario: Reading and updating my profile needs an access token
    Given I send no credentials
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"first_name": "Nobody"}
      """
    Then the response status should be 401

  Scenario: A deactivated account's token stops working
    Given the account "erin@example.com" has been deactivated by an operator
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
