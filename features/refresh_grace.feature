@refresh-grace
Feature: Refresh with several tabs
  Tabs of one app refresh with the same refresh token at once. With AUTHD_REFRESH_REUSE_GRACE set
  (these scenarios run on a service with 10 seconds), the token a refresh just spent gets that
  refresh's pair again instead of ending the session; any older token is still reuse.

  Background:
    Given the service allows a refresh grace
    And a registered user "tab@example.com"
    And I am logged in as "tab@example.com"

  Scenario: The token a refresh just spent gets that refresh's pair again
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 200
    And I remember the response field "access_token" as "first_access"
    And I remember the response field "refresh_token" as "first_refresh"
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 200
    And the response field "access_token" should be "{first_access}"
    And the response field "refresh_token" should be "{first_refresh}"
    When I use the bearer token "{first_access}"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 200

  Scenario: Eight tabs refreshing with one token at once all keep the session
    When I send 8 concurrent POST requests to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then exactly 8 of them should have status 200

  Scenario: A token two refreshes old is reuse and ends the session
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    And I remember the response field "refresh_token" as "second"
    And I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{second}"}
      """
    And I remember the response field "refresh_token" as "third"
    And I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 401
    And the response should be an error with code "refresh_token_reused"
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{third}"}
      """
    Then the response status should be 401
