Feature: Forgot and reset password
  Someone who forgot their password asks for a link by email and sets a new password with it.
  The answer never tells whether an account has the address. A reset ends every session of the
  account, lifts its login lockout, verifies its address and tells its owner.

  Background:
    Given a registered user "rita@example.com" with password "OldPassword123!"

  @mail
  Scenario: A reset link sets a new password and ends every session
    Given "rita@example.com" has logged in as session "before"
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    Then the response status should be 202
    And "rita@example.com" should receive an email with subject "Reset your authd password"
    When I follow the link in the latest email to "rita@example.com"
    Then the response status should be 200
    And the response header "Content-Type" should contain "text/html"
    When I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 204
    And the response body should be empty
    And "rita@example.com" should receive an email with subject "Your authd password was reset"
    When I use session "before"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{before.refresh_token}"}
      """
    Then the response status should be 401
    When I send no credentials
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "rita@example.com", "password": "OldPassword123!"}
      """
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "rita@example.com", "password": "BrandNewPass456!"}
      """
    Then the response status should be 200
    When I remember the response field "access_token" as "fresh"
    And I use the bearer token "{fresh}"
    And I send a GET request to "/api/v1/users/me"
    Then the response field "is_verified" should equal true

  @mail
  Scenario: An unknown address gets the same answer and no mail
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    Then the response status should be 202
    And I remember the response field "detail" as "known"
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "nobody@example.com"}
      """
    Then the response status should be 202
    And the response field "detail" should be "{known}"
    And "nobody@example.com" should receive no email

  Scenario: A malformed address is a validation error
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "not-an-email"}
      """
    Then the response should be a validation error at "body.email"

  @mail
  Scenario: A reset link works once
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    And I follow the link in the latest email to "rita@example.com"
    And I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 204
    When I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "OtherNewPass789!", "confirm_password": "OtherNewPass789!"}
      """
    Then the response status should be 400
    And the response should be an error with code "invalid_link"

  @mail
  Scenario: Opening the link changes nothing
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    And I follow the link in the latest email to "rita@example.com"
    And I send a GET request to "/reset-password?token={token}"
    And I send a GET request to "/reset-password?token={token}"
    And I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 204

  @mail
  Scenario: A newer link replaces the older one
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    And I follow the link in the latest email to "rita@example.com"
    Then "rita@example.com" should have received 2 emails
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    Then "rita@example.com" should have received 3 emails
    When I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 400
    And the response should be an error with code "invalid_link"
    When I follow the link in the latest email to "rita@example.com"
    And I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 204

  @mail
  Scenario: A password change voids an outstanding reset link
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    And I follow the link in the latest email to "rita@example.com"
    And I am logged in as "rita@example.com"
    And I send a POST request to "/api/v1/auth/change-password" with body:
      """
      {"current_password": "OldPassword123!", "new_password": "ChangedPass789!", "confirm_password": "ChangedPass789!"}
      """
    Then the response status should be 204
    When I send no credentials
    And I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 400
    And the response should be an error with code "invalid_link"

  @mail
  Scenario: The new password follows the password rules
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    And I follow the link in the latest email to "rita@example.com"
    And I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "SomethingElse456!"}
      """
    Then the response should be a validation error at "body.confirm_password"
    When I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "short", "confirm_password": "short"}
      """
    Then the response should be a validation error at "body.new_password" of type "string_too_short"
    When I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "password1234", "confirm_password": "password1234"}
      """
    Then the response should be a validation error at "body.new_password" of type "password_too_weak"
    When I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 204

  Scenario: A wrong token is refused before the password is looked at
    When I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "new_password": "password1234", "confirm_password": "password1234"}
      """
    Then the response status should be 400
    And the response should be an error with code "invalid_link"

  @mail
  Scenario: A reset lifts the account's login lockout
    When I fail to log in as "rita@example.com" 5 times
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "rita@example.com", "password": "OldPassword123!"}
      """
    Then the response status should be 429
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    And I follow the link in the latest email to "rita@example.com"
    And I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 204
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "rita@example.com", "password": "BrandNewPass456!"}
      """
    Then the response status should be 200

  @mail
  Scenario: Ten parallel resets with one link let exactly one through
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    And I follow the link in the latest email to "rita@example.com"
    And I send 10 concurrent POST requests to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then exactly 1 of them should have status 204
    And the others should have status 400

  @mail
  Scenario: Wrong tokens from one address are throttled, and a new link forgives none
    When I send 20 concurrent POST requests to "/api/v1/auth/verify-email" with body:
      """
      {"token": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}
      """
    Then exactly 20 of them should have status 400
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "rita@example.com"}
      """
    And I follow the link in the latest email to "rita@example.com"
    And I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 429
    And the response header "Retry-After" should be present

  Scenario: Reset links are not mailed without limit
    When I send a POST request to "/api/v1/auth/forgot-password" 5 times with body:
      """
      {"email": "rita@example.com"}
      """
    Then each of them should have status 202
    When I send the same request again
    Then the response status should be 429
    And the response header "Retry-After" should be present
