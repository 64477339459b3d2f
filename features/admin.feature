Feature: The operator's admin API
  An administrator finds accounts, switches them off and on, ends their sessions, makes them reset
  their password and deletes them, under /api/v1/admin/users. Every change lands on the account's
  own security timeline, naming the operator. Only an account holding the admin role, as stored
  now, may call it; no administrator may do any of this to their own account but end its sessions.

  Background:
    Given a registered user "alice@example.com"

  @admin
  Scenario: Accounts are found by the start of their email, a page at a time
    Given a registered user "{scenario}.a@example.com"
    And a registered user "{scenario}.b@example.com"
    And a registered user "{scenario}.c@example.com"
    And I am logged in as the administrator
    When I send a GET request to "/api/v1/admin/users?email_prefix={scenario}.&limit=2"
    Then the response status should be 200
    And the response field "users.0.email" should be "{scenario}.a@example.com"
    And the response field "users.1.email" should be "{scenario}.b@example.com"
    And the response field "users.2" should not exist
    And the response field "users.0.roles" should equal []
    And the response field "users.0.password_reset_required" should equal false
    And the response should not contain "SecurePass123!"
    When I remember the response field "next" as "next"
    And I send a GET request to "/api/v1/admin/users?email_prefix={scenario}.&limit=2&cursor={next}"
    Then the response status should be 200
    And the response field "users.0.email" should be "{scenario}.c@example.com"
    And the response field "users.1" should not exist
    And the response field "next" should equal null

  @admin
  Scenario: The email prefix is matched as emails are, whatever its case
    Given I am logged in as the administrator
    When I send a GET request to "/api/v1/admin/users?email_prefix=ALICE@EXAMPLE.COM"
    Then the response status should be 200
    And the response field "users.0.id" should be "{alice.id}"
    And the response field "users.0.email" should be "alice@example.com"
    And the response field "users.1" should not exist
    And the response field "next" should equal null

  @admin
  Scenario: Accounts are found by whether they are active
    Given a registered user "{scenario}.on@example.com"
    And a registered user "{scenario}.off@example.com"
    And the account "{scenario}.off@example.com" has been deactivated by an operator
    And I am logged in as the administrator
    When I send a GET request to "/api/v1/admin/users?email_prefix={scenario}.&is_active=false"
    Then the response field "users.0.email" should be "{scenario}.off@example.com"
    And the response field "users.0.is_active" should equal false
    And the response field "users.1" should not exist
    When I send a GET request to "/api/v1/admin/users?email_prefix={scenario}.&is_active=true"
    Then the response field "users.0.email" should be "{scenario}.on@example.com"
    And the response field "users.0.is_active" should equal true
    And the response field "users.1" should not exist

  @admin
  Scenario: Accounts are found by when they registered
    Given I am logged in as the administrator
    When I send a GET request to "/api/v1/admin/users?email_prefix=alice@example.com&created_after=2000-01-01T00:00:00Z"
    Then the response field "users.0.id" should be "{alice.id}"
    When I send a GET request to "/api/v1/admin/users?email_prefix=alice@example.com&created_after=2999-01-01T00:00:00Z"
    Then the response status should be 200
    And the response field "users" should equal []
    And the response field "next" should equal null

  @admin
  Scenario Outline: A malformed search is a validation error
    Given I am logged in as the administrator
    When I send a GET request to "/api/v1/admin/users?<query>"
    Then the response should be a validation error at "<loc>" of type "<type>"

    Examples:
      | query                    | loc                 | type                       |
      | limit=0                  | query.limit         | greater_than_equal         |
      | limit=101                | query.limit         | less_than_equal            |
      | limit=many               | query.limit         | int_parsing                |
      | is_active=maybe          | query.is_active     | bool_parsing               |
      | created_after=yesterday  | query.created_after | datetime_from_date_parsing |

  @admin
  Scenario: One account is read by its id
    Given I am logged in as the administrator
    When I send a GET request to "/api/v1/admin/users/{alice.id}"
    Then the response status should be 200
    And the response should match JSON:
      """
      {"id": "{alice.id}", "email": "alice@example.com", "is_active": true, "roles": [], "password_reset_required": false}
      """
    And the response should not contain "SecurePass123!"

  @admin
  Scenario: An id no account has is 404, and a malformed one 422
    Given I am logged in as the administrator
    When I send a GET request to "/api/v1/admin/users/000000000000000000000000"
    Then the response status should be 404
    And the response should be an error with code "user_not_found"
    When I send a POST request to "/api/v1/admin/users/000000000000000000000000/deactivate"
    Then the response status should be 404
    When I send a GET request to "/api/v1/admin/users/not-an-id"
    Then the response should be a validation error at "path.user_id"

  @admin
  Scenario: A deactivated account's token fails at once and its login is refused; deactivating twice changes nothing
    Given "alice@example.com" has logged in as session "phone"
    And I am logged in as the administrator
    When I send a POST request to "/api/v1/admin/users/{alice.id}/deactivate"
    Then the response status should be 200
    And the response field "id" should be "{alice.id}"
    And the response field "is_active" should equal false
    When I use session "phone"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "alice@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 403
    And the response should be an error with code "inactive_user"
    When I use session "admin"
    And I send a POST request to "/api/v1/admin/users/{alice.id}/deactivate"
    Then the response status should be 200
    And the response field "is_active" should equal false

  @admin
  Scenario: A reactivated account logs in again, but its old sessions stay ended
    Given "alice@example.com" has logged in as session "phone"
    And the account "alice@example.com" has been deactivated by an operator
    And I am logged in as the administrator
    When I send a POST request to "/api/v1/admin/users/{alice.id}/activate"
    Then the response status should be 200
    And the response field "is_active" should equal true
    When I send a POST request to "/api/v1/admin/users/{alice.id}/activate"
    Then the response status should be 200
    When I use session "phone"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{phone.refresh_token}"}
      """
    Then the response status should be 401
    Given I am logged in as "alice@example.com"
    When within 10 seconds my timeline has 5 events
    And I send a GET request to "/api/v1/users/me/security-events"
    Then the response field "events.1.type" should be "account_activated"
    And the response field "events.1.detail" should be "operator:{admin.id}"
    And the response field "events.2.type" should be "account_deactivated"
    And the response field "events.2.detail" should be "operator:{admin.id}"
    And the response field "events.3.type" should be "login_succeeded"

  @admin
  Scenario: Ending an account's sessions stops its tokens at once; its password still logs in
    Given "alice@example.com" has logged in as session "phone"
    And I am logged in as the administrator
    When I send a POST request to "/api/v1/admin/users/{alice.id}/revoke-sessions"
    Then the response status should be 204
    And the response body should be empty
    When I use session "phone"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "{phone.refresh_token}"}
      """
    Then the response status should be 401
    Given I am logged in as "alice@example.com"
    When within 10 seconds my timeline has 4 events
    And I send a GET request to "/api/v1/users/me/security-events"
    Then the response field "events.1.type" should be "session_revoked"
    And the response field "events.1.detail" should be "operator:{admin.id}"

  @admin @mail
  Scenario: A required password reset refuses login until the mailed link sets a new password
    Given "alice@example.com" has logged in as session "phone"
    And I am logged in as the administrator
    When I send a POST request to "/api/v1/admin/users/{alice.id}/require-password-reset"
    Then the response status should be 200
    And the response field "password_reset_required" should equal true
    When I use session "phone"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "alice@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 403
    And the response should be an error with code "password_reset_required"
    And "alice@example.com" should receive an email with subject "Reset your authd password"
    When I follow the link in the latest email to "alice@example.com"
    And I send a POST request to "/api/v1/auth/reset-password" with body:
      """
      {"token": "{token}", "new_password": "BrandNewPass456!", "confirm_password": "BrandNewPass456!"}
      """
    Then the response status should be 204
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "alice@example.com", "password": "BrandNewPass456!"}
      """
    Then the response status should be 200
    When I remember the response field "access_token" as "fresh"
    And I use the bearer token "{fresh}"
    And within 10 seconds my timeline has 7 events
    And I send a GET request to "/api/v1/users/me/security-events"
    Then the response field "events.3.type" should be "login_failed"
    And the response field "events.3.detail" should be "reset_required"
    And the response field "events.4.type" should be "password_reset_required"
    And the response field "events.4.detail" should be "operator:{admin.id}"

  @admin
  Scenario: A deleted account's tokens fail, its login is refused and its email is free again
    Given "alice@example.com" has logged in as session "phone"
    And I am logged in as the administrator
    When I send a DELETE request to "/api/v1/admin/users/{alice.id}"
    Then the response status should be 204
    And the response body should be empty
    When I send a GET request to "/api/v1/admin/users/{alice.id}"
    Then the response status should be 404
    When I use session "phone"
    And I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "alice@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 401
    And the response should be an error with code "invalid_credentials"
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "alice@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "Alice", "last_name": "Again"}
      """
    Then the response status should be 201
    And the response field "id" should not be "{alice.id}"

  @admin
  Scenario Outline: An administrator can't <action> their own account
    Given I am logged in as the administrator
    When I send a <method> request to "/api/v1/admin/users/{admin.id}<path>"
    Then the response status should be 409
    And the response should be an error with code "own_account"

    Examples:
      | action           | method | path                    |
      | deactivate       | POST   | /deactivate             |
      | activate         | POST   | /activate               |
      | require to reset | POST   | /require-password-reset |
      | delete           | DELETE |                         |

  Scenario Outline: An account without the admin role gets 403 from every admin endpoint
    Given I am logged in as "alice@example.com"
    When I send a <method> request to "<path>"
    Then the response status should be 403
    And the response should be an error with code "admin_required"
    When I send no credentials
    And I send a <method> request to "<path>"
    Then the response status should be 401

    Examples:
      | method | path                                                  |
      | GET    | /api/v1/admin/users                                   |
      | GET    | /api/v1/admin/users/{alice.id}                        |
      | POST   | /api/v1/admin/users/{alice.id}/deactivate             |
      | POST   | /api/v1/admin/users/{alice.id}/activate               |
      | POST   | /api/v1/admin/users/{alice.id}/revoke-sessions        |
      | POST   | /api/v1/admin/users/{alice.id}/require-password-reset |
      | DELETE | /api/v1/admin/users/{alice.id}                        |

  @database
  Scenario: An administrator whose role is revoked gets 403 at their next request
    Given a registered user "bob@example.com"
    And "bob@example.com" has been given the admin role in the database
    And I am logged in as "bob@example.com"
    When I send a GET request to "/api/v1/admin/users/{alice.id}"
    Then the response status should be 200
    When the admin role of "bob@example.com" is revoked in the database
    And I send a GET request to "/api/v1/admin/users/{alice.id}"
    Then the response status should be 403
    And the response should be an error with code "admin_required"

  @admin @database
  Scenario: A deactivated administrator's token gets 401
    Given a registered user "bob@example.com"
    And "bob@example.com" has been given the admin role in the database
    And I am logged in as "bob@example.com"
    When I send a GET request to "/api/v1/admin/users?email_prefix=alice@example.com"
    Then the response status should be 200
    When the account "bob@example.com" has been deactivated by an operator
    And I send a GET request to "/api/v1/admin/users?email_prefix=alice@example.com"
    Then the response status should be 401
