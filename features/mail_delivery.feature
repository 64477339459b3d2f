Feature: Mail delivery
  Mail is committed to the store with the change it tells of and delivered from there, so a mail
  server outage delays mail but loses none.

  Background:
    Given a registered user "otto@example.com"
    And "otto@example.com" should receive an email with subject "Confirm your email address for authd"

  @direct @mail
  Scenario: Mail asked for while the mail server is down arrives once it is back, and its link works
    When I send a GET request to "/metrics"
    And I remember the metric "authd_mail_failed_attempts_total" with labels "kind=reset_password" as "failures"
    When the mail server goes down
    And I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "otto@example.com"}
      """
    Then the response status should be 202
    And "otto@example.com" should receive no email with subject "Reset your authd password"
    When I send a GET request to "/metrics"
    Then the metric "authd_mail_failed_attempts_total" with labels "kind=reset_password" should have grown by at least 1 since "failures"
    And the metric "authd_mail_queued" should be at least 1
    When the mail server comes back
    Then "otto@example.com" should receive an email with subject "Reset your authd password"
    And "otto@example.com" should have received 2 emails
    When I follow the link in the latest email to "otto@example.com"
    And I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 204

  @mail
  Scenario: Mail carries no secret but its own link, and is marked as automatic
    When I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "otto@example.com"}
      """
    Then "otto@example.com" should receive an email with subject "Reset your authd password"
    And the latest email to "otto@example.com" should not contain "SecurePass123!"
    And the latest email to "otto@example.com" should contain "30 minutes"
