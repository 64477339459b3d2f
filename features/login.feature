Feature: Log in
  A registered user exchanges email and password for an access token and a refresh token.

  Background:
    Given a registered user "alice@example.com" with password "SecurePass123!"

  Scenario: Correct credentials give a token pair that must not be cached
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "alice@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200
    And the response should match JSON:
      """
      {"access_token": "<jwt>", "refresh_token": "<jwt>", "token_type": "bearer", "expires_in": 1800}
      """
    And the response header "Cache-Control" should be "no-store"
    And the response header "Pragma" should be "no-cache"

  Scenario: The email is matched without regard to case
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "ALICE@Example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200

  Scenario: Logging in records the time of the last login
    Given I am logged in as "alice@example.com"
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 200
    And the response field "last_login" should match "^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"

  Scenario: A wrong password and an unknown email get the same answer
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "alice@example.com", "password": "WrongPass123!"}
      """
    Then the response status should be 401
    And the response header "WWW-Authenticate" should be "Bearer"
    And the response should match JSON:
      """
      {"detail": "Incorrect email or password", "code": "invalid_credentials"}
      """
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "nobody@example.com", "password": "WrongPass123!"}
      """
    Then the response status should be 401
    And the response header "WWW-Authenticate" should be "Bearer"
    And the response should match JSON:
      """
      {"detail": "Incorrect email or password", "code": "invalid_credentials"}
      """

  @admin
  Scenario: A deactivated account can't log in, even with the right password
    Given the account "alice@example.com" has been deactivated by an operator
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "alice@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 403
    And the response should be an error with code "inactive_user"

  @admin
  Scenario: A deactivated account with a wrong password learns nothing about its state
    Given the account "alice@example.com" has been deactivated by an operator
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "alice@example.com", "password": "WrongPass123!"}
      """
    Then the response status should be 401

  Scenario Outline: Malformed login requests are validation errors
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      <body>
      """
    Then the response should be a validation error at "<loc>" of type "<type>"

    Examples:
      | body                                                       | loc            | type            |
      | {"email": "alice@example.com"}                             | body.password  | missing         |
      | {"password": "SecurePass123!"}                             | body.email     | missing         |
      | {"email": {"$ne": null}, "password": {"$ne": null}}        | body.email     | string_type     |
      | {"email": "alice@example.com", "password": {"$regex": ".*"}} | body.password | string_type     |
      | {"email": "not-an-email", "password": "SecurePass123!"}    | body.email     | value_error     |
      | {"email": "alice@example.com", "password": "x", "admin": true} | body.admin  | extra_forbidden |

  Scenario: Token type confusion: an access token is not a refresh token
    Given I am logged in as "alice@example.com"
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{access_token}"}
      """
    Then the response status should be 401

  Scenario: Token type confusion: a refresh token is not an access token
    Given I am logged in as "alice@example.com"
    And I use the bearer token "{refresh_token}"
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    And the response header "WWW-Authenticate" should be "Bearer error=\"invalid_token\""
