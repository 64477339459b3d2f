Feature: Verify email
  Registering mails a link that proves the address; following it shows a page, and only the
  page's POST verifies. A verified account says so in its profile.

  @mail
  Scenario: Registration mails a verification link, and using it verifies the address
    Given a registered user "vera@example.com"
    Then "vera@example.com" should receive an email with subject "Confirm your email address for authd"
    When I follow the link in the latest email to "vera@example.com"
    Then the response status should be 200
    And the response header "Content-Type" should contain "text/html"
    When I am logged in as "vera@example.com"
    And I send a GET request to "/api/v1/users/me"
    Then the response field "is_verified" should equal false
    When I send no credentials
    And I send a POST request to "/api/v1/auth/verify-email" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 200
    And the response field "email" should be "vera@example.com"
    And the response field "is_verified" should equal true
    When I am logged in as "vera@example.com"
    And I send a GET request to "/api/v1/users/me"
    Then the response field "is_verified" should equal true

  @mail
  Scenario: A verification link works once
    Given a registered user "vera@example.com"
    When I follow the link in the latest email to "vera@example.com"
    And I send a POST request to "/api/v1/auth/verify-email" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 200
    When I send a POST request to "/api/v1/auth/verify-email" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 400
    And the response should be an error with code "invalid_link"

  Scenario Outline: A wrong token gets the same answer whatever is wrong with it
    When I send a POST request to "/api/v1/auth/verify-email" with body:
      """
      {"token": "<token>"}
      """
    Then the response status should be 400
    And the response should be an error with code "invalid_link"
    And the response field "detail" should be "The link is invalid or has expired"

    Examples:
      | token                                                       |
      | x                                                           |
      | AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA |
      | not a token at all, but long enough to look like one ...... |

  Scenario: A verification request without a token is a validation error
    When I send a POST request to "/api/v1/auth/verify-email" with body:
      """
      {}
      """
    Then the response should be a validation error at "body.token" of type "missing"

  @mail
  Scenario: Asking again mails a new link that replaces the old one
    Given a registered user "vera@example.com"
    When I follow the link in the latest email to "vera@example.com"
    Then "vera@example.com" should have received 1 email
    When I am logged in as "vera@example.com"
    And I send a POST request to "/api/v1/auth/verify-email/resend"
    Then the response status should be 202
    And "vera@example.com" should have received 2 emails
    When I send a POST request to "/api/v1/auth/verify-email" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 400
    And the response should be an error with code "invalid_link"
    When I follow the link in the latest email to "vera@example.com"
    And I send a POST request to "/api/v1/auth/verify-email" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 200

  @mail
  Scenario: A verified address needs no new link
    Given a registered user "vera@example.com"
    When I follow the link in the latest email to "vera@example.com"
    And I send a POST request to "/api/v1/auth/verify-email" with body:
      """
      {"token": "{token}"}
      """
    And I am logged in as "vera@example.com"
    And I send a POST request to "/api/v1/auth/verify-email/resend"
    Then the response status should be 409
    And the response should be an error with code "already_verified"

  Scenario: Asking for a new link needs a session
    When I send a POST request to "/api/v1/auth/verify-email/resend"
    Then the response status should be 401

  Scenario: Links are not asked for without limit
    Given a registered user "vera@example.com"
    And I am logged in as "vera@example.com"
    When I send a POST request to "/api/v1/auth/verify-email/resend" 5 times
    Then each of them should have status 202
    When I send the same request again
    Then the response status should be 429
    And the response header "Retry-After" should be present

  @mail
  Scenario: Ten parallel uses of one link verify once
    Given a registered user "vera@example.com"
    When I follow the link in the latest email to "vera@example.com"
    And I send 10 concurrent POST requests to "/api/v1/auth/verify-email" with body:
      """
      {"token": "{token}"}
      """
    Then exactly 1 of them should have status 200
    And the others should have status 400

  @mail @admin
  Scenario: A switched-off account's link does nothing
    Given a registered user "vera@example.com"
    When I follow the link in the latest email to "vera@example.com"
    And the account "vera@example.com" has been deactivated by an operator
    And I send a POST request to "/api/v1/auth/verify-email" with body:
      """
      {"token": "{token}"}
      """
    Then the response status should be 403
    And the response should be an error with code "inactive_user"
