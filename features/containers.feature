@containers
Feature: Running as containers: outages, restarts, replicas and crashes
  The service and its database run as separate containers (make acceptance). These scenarios stop,
  kill and multiply them; only the container suite runs them.

  Background:
    Given a registered user "ops@example.com"
    And I am logged in as "ops@example.com"

  Scenario: A database outage is a quick 503, and service resumes when the database is back
    Given "ops@example.com" has logged in as session "before"
    And I send a POST request to "/api/v1/auth/logout"
    When the database goes down
    And I use session "before"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 503
    And the response should be an error with code "storage_unavailable"
    And the response header "Retry-After" should be present
    And the response should not contain "mongo"
    And the response should not contain "server selection"
    And the response should not contain "27017"
    And the response arrived within 10 seconds
    When I send a GET request to "/readyz"
    Then the response status should be 503
    When I send a GET request to "/healthz"
    Then the response status should be 200
    When the database comes back
    Then within 30 seconds a GET request to "/api/v1/users/me" answers 200
    When I send a GET request to "/readyz"
    Then the response status should be 200
    When I use session "main"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "ops@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200

  Scenario: Tokens survive a restart of the service; revocations too
    Given "ops@example.com" has logged in as session "revoked"
    When I use session "revoked"
    And I send a POST request to "/api/v1/auth/logout"
    Then the response status should be 204
    When the service restarts
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 200

  Scenario: Two replicas share everything through the database
    Given a second replica "B" runs on the same database
    When I talk to replica "B"
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "ops@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200
    When I talk to replica "A"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 200
    When I talk to replica "B"
    And I send a POST request to "/api/v1/auth/logout"
    Then the response status should be 204
    When I talk to replica "A"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401

  Scenario: A refresh token replayed on another replica revokes the session on both
    Given a second replica "B" runs on the same database
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 200
    And I remember the response field "access_token" as "new_access"
    When I talk to replica "B"
    And I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{refresh_token}"}
      """
    Then the response status should be 401
    When I use the bearer token "{new_access}"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I talk to replica "A"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401

  Scenario: A user registered on one replica logs in on the other
    Given a second replica "B" runs on the same database
    When I talk to replica "A"
    And I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "roamer@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "Roam", "last_name": "Er"}
      """
    Then the response status should be 201
    When I talk to replica "B"
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "roamer@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200

  Scenario: SIGTERM lets in-flight requests finish and exits cleanly
    When 30 logins are in flight when the service receives SIGTERM
    Then every in-flight request got a complete response
    And the service exited with code 0

  Scenario: Nothing acknowledged is lost when the service is killed mid-work
    When clients register, log in, change passwords and log out while the service is killed 3 times
    Then every acknowledged write is still there

  @mail
  Scenario: A reset link mailed through one replica works on the other, and is mailed once
    Given a second replica "B" runs on the same database
    When I talk to replica "A"
    And I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "ops@example.com"}
      """
    Then the response status should be 202
    And "ops@example.com" should receive an email with subject "Reset your authd password"
    And "ops@example.com" should have received 2 emails
    When I talk to replica "B"
    And I follow the link in the latest email to "ops@example.com"
    And I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 204
    When I talk to replica "A"
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "ops@example.com", "password": "BrandNewPass456!"}
      """
    Then the response status should be 200

  @mail
  Scenario: Mail queued during a mail outage survives the service being killed
    The kill lands while the replica is trying to deliver the message: it waits out the lease
    that replica held (AUTHD_MAIL_LEASE, 6 s here) and then goes out.

    When the mail server goes down
    And I send a POST request to "/api/v1/auth/forgot-password" with body:
      """
      {"email": "ops@example.com"}
      """
    Then the response status should be 202
    When the service is killed with SIGKILL and started again
    And the mail server comes back
    Then "ops@example.com" should receive an email with subject "Reset your authd password"

  Scenario: A session ended on one replica stops working on the other at once
    Given a second replica "B" runs on the same database
    And "ops@example.com" has logged in as session "phone"
    When I send a GET request to "/api/v1/users/me/sessions"
    Then the response field "sessions.0.current" should equal false
    When I remember the response field "sessions.0.id" as "phone_id"
    And I send a DELETE request to "/api/v1/users/me/sessions/{phone_id}"
    Then the response status should be 204
    When I talk to replica "B"
    And I use session "phone"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401

  @admin
  Scenario: An account deactivated through one replica's admin API is refused on the other at once
    Given a second replica "B" runs on the same database
    And "ops@example.com" has logged in as session "phone"
    When the account "ops@example.com" has been deactivated by an operator
    And I talk to replica "B"
    And I use session "phone"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I use session "main"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "ops@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 403
    And the response should be an error with code "inactive_user"
