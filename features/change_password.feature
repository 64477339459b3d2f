Feature: Change password
  A logged-in user changes their password; every other session of theirs ends.

  Background:
    Given a registered user "dave@example.com" with password "OldPassword123!"
    And I am logged in as "dave@example.com"

  Scenario: The new password works, the old one doesn't, and this session survives
    Given "dave@example.com" has logged in as session "other"
    When I send a POST request to "/api/v1/auth/change-password" with body:
      """
      {"current_password": "OldPassword123!", "new_password": "NewSecurePass123!", "confirm_password": "NewSecurePass123!"}
      """
    Then the response status should be 204
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 200
    When I use session "other"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{other.refresh_token}"}
      """
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "dave@example.com", "password": "OldPassword123!"}
      """
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "dave@example.com", "password": "NewSecurePass123!"}
      """
    Then the response status should be 200

  Scenario: This session's refresh token keeps working after the change
    When I send a POST request to "/api/v1/auth/change-password" with body:
      """
      {"current_password": "OldPassword123!", "new_password": "NewSecurePass123!", "confirm_password": "NewSecurePass123!"}
      """
    Then the response status should be 204
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 200

  Scenario: A wrong current password changes nothing
    When I send a POST request to "/api/v1/auth/change-password" with body:
      """
      {"current_password": "WrongPassword123!", "new_password": "NewSecurePass123!", "confirm_password": "NewSecurePass123!"}
      """
    Then the response status should be 400
    And the response should be an error with code "wrong_password"
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "dave@example.com", "password": "OldPassword123!"}
      """
    Then the response status should be 200

  Scenario: Parallel changes with one current password: at most one succeeds
    When I send 5 concurrent POST requests to "/api/v1/auth/change-password" with body:
      """
      {"current_password": "OldPassword123!", "new_password": "NewSecurePass123!", "confirm_password": "NewSecurePass123!"}
      """
    Then exactly 1 of them should have status 204
    And the others should have status 400

  Scenario: A login that checked the old password while it was being changed does not outlive the change
    When 8 new users each log in with their password while another of their sessions changes it
    Then no session opened with a password works after that password was changed

  Scenario Outline: Invalid new passwords are validation errors and change nothing
    When I send a POST request to "/api/v1/auth/change-password" with body:
      """
      {"current_password": "OldPassword123!", "new_password": "<new>", "confirm_password": "<confirm>"}
      """
    Then the response should be a validation error at "<loc>" of type "<type>"
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "dave@example.com", "password": "OldPassword123!"}
      """
    Then the response status should be 200

    Examples:
      | new               | confirm           | loc                   | type              |
      | NewSecurePass123! | NewSecurePass124! | body.confirm_password | value_error       |
      | OldPassword123!   | OldPassword123!   | body.new_password     | value_error       |
      | short             | short             | body.new_password     | string_too_short  |
      | password123       | password123       | body.new_password     | password_too_weak |

  Scenario: Missing fields
    When I send a POST request to "/api/v1/auth/change-password" with body:
      """
      {"new_password": "NewSecurePass123!"}
      """
    Then the response should be a validation error at "body.current_password" of type "missing"
    And the response should be a validation error at "body.confirm_password" of type "missing"

  Scenario: Changing the password needs an access token
    Given I send no credentials
    When I send a POST request to "/api/v1/auth/change-password" with body:
      """
      {"current_password": "OldPassword123!", "new_password": "NewSecurePass123!", "confirm_password": "NewSecurePass123!"}
      """
    Then the response status should be 401
