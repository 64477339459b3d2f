Feature: Change email
  A logged-in user moves their account to another address. The new address must prove itself
  with a link mailed there; until then the old address stays the login. Both addresses hear of it.

  Background:
    Given a registered user "olga@example.com" with password "OldPassword123!"
    And I am logged in as "olga@example.com"

  @mail
  Scenario: The account moves when the link mailed to the new address is used
    When I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "olga.new@example.com", "current_password": "OldPassword123!"}
      """
    Then the response status should be 202
    And "olga.new@example.com" should receive an email with subject "Confirm your new email address for authd"
    And "olga@example.com" should receive an email with subject "Someone asked to change your authd email address"
    And the latest email to "olga@example.com" should contain "olga.new@example.com"
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "olga@example.com", "password": "OldPassword123!"}
      """
    Then the response status should be 200
    When I follow the link in the latest email to "olga.new@example.com"
    Then the response status should be 200
    When I send no credentials
    And I send a POST request to "/api/v1/users/me/email/confirm" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 200
    And the response field "email" should be "olga.new@example.com"
    And the response field "is_verified" should equal true
    And "olga@example.com" should receive an email with subject "Your authd email address was changed"
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "olga@example.com", "password": "OldPassword123!"}
      """
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "olga.new@example.com", "password": "OldPassword123!"}
      """
    Then the response status should be 200

  @mail
  Scenario: The old address is free for a new account once the move is confirmed
    When I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "olga.new@example.com", "current_password": "OldPassword123!"}
      """
    And I follow the link in the latest email to "olga.new@example.com"
    And I send a POST request to "/api/v1/users/me/email/confirm" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 200
    Given a registered user "olga@example.com" with password "AnotherPass123!"

  @mail
  Scenario: The current password is required
    When I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "olga.new@example.com", "current_password": "WrongPassword123!"}
      """
    Then the response status should be 400
    And the response should be an error with code "wrong_password"
    And "olga.new@example.com" should receive no email

  Scenario: The new address must differ from the current one
    When I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "OLGA@example.com", "current_password": "OldPassword123!"}
      """
    Then the response should be a validation error at "body.new_email"

  Scenario: A malformed new address is a validation error
    When I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "olga.example.com", "current_password": "OldPassword123!"}
      """
    Then the response should be a validation error at "body.new_email"

  Scenario: An address another account has is refused
    Given a registered user "taken@example.com"
    When I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "taken@example.com", "current_password": "OldPassword123!"}
      """
    Then the response status should be 409
    And the response should be an error with code "email_taken"

  @mail
  Scenario: An address taken between the request and the confirmation is refused at confirmation
    When I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "olga.new@example.com", "current_password": "OldPassword123!"}
      """
    And I follow the link in the latest email to "olga.new@example.com"
    And a registered user "olga.new@example.com"
    And I send a POST request to "/api/v1/users/me/email/confirm" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 409
    And the response should be an error with code "email_taken"
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "olga@example.com", "password": "OldPassword123!"}
      """
    Then the response status should be 200

  Scenario: Asking to change the email needs a session
    When I send no credentials
    And I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "olga.new@example.com", "current_password": "OldPassword123!"}
      """
    Then the response status should be 401

  @mail
  Scenario: A confirmation link works once
    When I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "olga.new@example.com", "current_password": "OldPassword123!"}
      """
    And I follow the link in the latest email to "olga.new@example.com"
    And I send a POST request to "/api/v1/users/me/email/confirm" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 200
    When I send a POST request to "/api/v1/users/me/email/confirm" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 400
    And the response should be an error with code "invalid_link"

  @mail
  Scenario: Two accounts racing to move to one address: exactly one gets it
    Given a registered user "pia@example.com" with password "OldPassword123!"
    When I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "shared@example.com", "current_password": "OldPassword123!"}
      """
    And I follow the link in the latest email to "shared@example.com"
    And I am logged in as "pia@example.com"
    And I send a POST request to "/api/v1/users/me/email" with body:
      """
      {"new_email": "shared@example.com", "current_password": "OldPassword123!"}
      """
    Then "shared@example.com" should have received 2 emails
    When I remember the tokens of the emails to "shared@example.com" as "link"
    And I send 2 concurrent POST requests to "/api/v1/users/me/email/confirm" with bodies:
      """
      {"token": "{link.1}"}
      {"token": "{link.2}"}
      """
    Then exactly 1 of them should have status 200
    And the others should have status 409
