Feature: Refresh
  A refresh token buys a new token pair once; using a spent one revokes the whole session.

  Background:
    Given a registered user "bob@example.com"
    And I am logged in as "bob@example.com"

  Scenario: A refresh token gives a new pair, and the new access token works
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 200
    And the response should match JSON:
      """
      {"access_token": "<jwt>", "refresh_token": "<jwt>", "token_type": "bearer", "expires_in": 1800}
      """
    And the response header "Cache-Control" should be "no-store"
    And I remember the response field "access_token" as "new_access"
    And I remember the response field "refresh_token" as "new_refresh"
    When I use the bearer token "{new_access}"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 200
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{new_refresh}"}
      """
    Then the response status should be 200

  Scenario: A spent refresh token presented again revokes the session
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 200
    And I remember the response field "access_token" as "new_access"
    And I remember the response field "refresh_token" as "new_refresh"
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 401
    And the response should be an error with code "refresh_token_reused"
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{new_refresh}"}
      """
    Then the response status should be 401
    When I use the bearer token "{new_access}"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401

  Scenario: Ten parallel refreshes with one token: exactly one succeeds
    When I send 10 concurrent POST requests to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then exactly 1 of them should have status 200
    And the others should have status 401

  Scenario: Other sessions of the user are not affected by a reuse
    Given "bob@example.com" has logged in as session "laptop"
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    And I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 401
    When I use session "laptop"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 200

  Scenario Outline: Bad refresh tokens are refused
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "<token>"}
      """
    Then the response status should be 401
    And the response should be an error with code "invalid_token"

    Examples:
      | token                                                                                                   |
      | not-a-jwt                                                                                               |
      | eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwidG9rZW5fdHlwZSI6InJlZnJlc2gifQ.                    |
      | eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U |

  Scenario Outline: Malformed refresh requests are validation errors
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      <body>
      """
    Then the response should be a validation error at "<loc>" of type "<type>"

    Examples:
      | body                            | loc                | type             |
      | {}                              | body.refresh_token | missing          |
      | {"refresh_token": null}         | body.refresh_token | string_type      |
      | {"refresh_token": ["a"]}        | body.refresh_token | string_type      |
      | {"refresh_token": ""}           | body.refresh_token | string_too_short |

  Scenario: An empty refresh token is too short, like any string below its minLength, not an invalid token
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": ""}
      """
    Then the response should match JSON:
      """
      {"detail": [{"loc": ["body", "refresh_token"], "msg": "String should have at least 1 character", "type": "string_too_short"}]}
      """
