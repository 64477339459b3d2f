Feature: Log out
  Logging out revokes the session: its access and refresh tokens stop working everywhere.

  Background:
    Given a registered user "carol@example.com"
    And I am logged in as "carol@example.com"

  Scenario: After logout the access token and the refresh token are rejected
    When I send a POST request to "/api/v1/auth/logout"
    Then the response status should be 204
    And the response body should be empty
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    And the response should be an error with code "session_revoked"
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 401

  Scenario: Logout with the refresh token in the body
    When I send a POST request to "/api/v1/auth/logout" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 204
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 401

  Scenario: Logout with the refresh token of another of my sessions ends that one too
    Given "carol@example.com" has logged in as session "tablet"
    When I send a POST request to "/api/v1/auth/logout" with body:
      """
      {"refresh_token": "{tablet.refresh_token}"}
      """
    Then the response status should be 204
    When I use session "tablet"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401

  Scenario: Other sessions keep working after one logs out
    Given "carol@example.com" has logged in as session "phone"
    When I send a POST request to "/api/v1/auth/logout"
    Then the response status should be 204
    When I use session "phone"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 200

  Scenario: Logging out twice: the second time the token is already revoked
    When I send a POST request to "/api/v1/auth/logout"
    Then the response status should be 204
    When I send a POST request to "/api/v1/auth/logout"
    Then the response status should be 401

  Scenario: Logout needs an access token
    Given I send no credentials
    When I send a POST request to "/api/v1/auth/logout"
    Then the response status should be 401
    And the response header "WWW-Authenticate" should be "Bearer"
    And the response should be an error with code "not_authenticated"

  Scenario: A refresh token is not accepted as the bearer of a logout
    Given I use the bearer token "{refresh_token}"
    When I send a POST request to "/api/v1/auth/logout"
    Then the response status should be 401

  Scenario Outline: A malformed logout body is a validation error and logs nobody out
    When I send a POST request to "/api/v1/auth/logout" with body:
      """
      {"refresh_token": <token>}
      """
    Then the response should be a validation error at "body.refresh_token" of type "<type>"
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 200

    Examples:
      | token | type             |
      | 12    | string_type      |
      | ""    | string_too_short |
