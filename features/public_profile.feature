Feature: A user's public profile
  Any logged-in user can see another user's public information, and nothing more.

  Background:
    Given a registered user "frank@example.com"
    And a registered user "grace@example.com"
    And I am logged in as "frank@example.com"

  Scenario: Only public fields are shown
    When I send a GET request to "/api/v1/users/{grace.id}"
    Then the response status should be 200
    And the response should match JSON:
      """
      {"id": "{grace.id}", "is_active": true, "is_verified": false, "created_at": "<timestamp>",
       "profile": {"first_name": "Test", "last_name": "Grace", "bio": null}}
      """
    And the response field "email" should not exist
    And the response field "last_login" should not exist
    And the response field "profile.phone_number" should not exist
    And the response should not contain "grace@"

  Scenario: A phone number set by its owner stays private
    Given I am logged in as "grace@example.com"
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"phone_number": "+1234567890", "bio": "Public bio"}
      """
    Then the response status should be 200
    Given I am logged in as "frank@example.com"
    When I send a GET request to "/api/v1/users/{grace.id}"
    Then the response field "profile.bio" should be "Public bio"
    And the response should not contain "+1234567890"

  Scenario: An unknown id is 404
    When I send a GET request to "/api/v1/users/507f1f77bcf86cd799439011"
    Then the response status should be 404
    And the response should be an error with code "user_not_found"

  Scenario Outline: A malformed id is a validation error in the path
    When I send a GET request to "/api/v1/users/<id>"
    Then the response should be a validation error at "path.user_id" of type "value_error"

    Examples:
      | id                         |
      | 123                        |
      | not-an-object-id           |
      | 507F1F77BCF86CD799439011   |
      | 507f1f77bcf86cd79943901g   |
      | 507f1f77bcf86cd7994390111  |
      | %24ne                      |

  Scenario: Looking up a user needs an access token
    Given I send no credentials
    When I send a GET request to "/api/v1/users/{grace.id}"
    Then the response status should be 401
