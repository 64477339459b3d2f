Feature: Resisting attackers
  Guessing, enumerating, forging and malformed requests get a clear refusal and change nothing.

  Background:
    Given a registered user "victim@example.com"

  Scenario: After five failed logins the account is locked out, even for the right password
    When I fail to log in as "victim@example.com" 5 times
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 429
    And the response header "Retry-After" should be "60"
    And the response should be an error with code "too_many_attempts"

  Scenario: Parallel guesses are all counted: exactly the limit gets checked
    When I send 30 concurrent POST requests to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "WrongPass123!"}
      """
    Then exactly 5 of them should have status 401
    And the others should have status 429

  Scenario: Parallel registrations from one address are all counted
    When I send 25 concurrent POST requests to "/api/v1/auth/register" with body:
      """
      {"email": "flood@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "Flo", "last_name": "Od"}
      """
    Then exactly 1 of them should have status 201
    And exactly 6 of them should have status 429
    And exactly 18 of them should have status 409

  Scenario: Guessing the current password in change-password counts towards the lockout
    Given I am logged in as "victim@example.com"
    When I send 5 concurrent POST requests to "/api/v1/auth/change-password" with body:
      """
      {"current_password": "WrongPass123!", "new_password": "NewSecurePass123!", "confirm_password": "NewSecurePass123!"}
      """
    Then exactly 5 of them should have status 400
    When I send a POST request to "/api/v1/auth/change-password" with body:
      """
      {"current_password": "SecurePass123!", "new_password": "NewSecurePass123!", "confirm_password": "NewSecurePass123!"}
      """
    Then the response status should be 429
    And the response header "Retry-After" should be present
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 429

  Scenario: A lockout of one account leaves other accounts alone
    Given a registered user "bystander@example.com"
    When I fail to log in as "victim@example.com" 5 times
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "bystander@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200

  Scenario: An unknown email is locked out exactly like a real one, so lockouts reveal nothing
    When I fail to log in as "nobody@example.com" 5 times
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "nobody@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 429
    And the response header "Retry-After" should be "60"

  Scenario: A success before the limit resets the account's count
    When I fail to log in as "victim@example.com" 4 times
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200
    When I fail to log in as "victim@example.com" 4 times
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200

  Scenario: One address guessing across many accounts is locked out; other addresses are not
    When 100 failed logins for different accounts come from my address
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 429
    Given the next request has header "X-Forwarded-For" set to "203.0.113.77"
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200

  Scenario: An IPv6 client is counted as its /64, so a new address in the same network does not escape a lockout
    Given my address is in an IPv6 network of my own
    When 100 failed logins for different accounts come from my address
    And the next request has header "X-Forwarded-For" set to "{client_net}:ffff:ffff:ffff:fffe"
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 429
    Given the next request has header "X-Forwarded-For" set to "2001:db8:ffff:ffff::1"
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200

  Scenario: A forged left-most X-Forwarded-For hop does not escape an address lockout
    When 100 failed logins for different accounts come from my address
    And the next request has header "X-Forwarded-For" set to "203.0.113.200, {client_ip}"
    And I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 429

  Scenario: Registrations from one address are limited
    When I register 19 different users from my address
    And I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "one-too-many@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "One", "last_name": "Toomany"}
      """
    Then the response status should be 429
    And the response header "Retry-After" should be present

  Scenario Outline: Forged or broken access tokens are rejected
    Given I am logged in as "victim@example.com"
    And I use a forged access token that is <forgery>
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    And the response header "WWW-Authenticate" should be "Bearer error=\"invalid_token\""

    Examples: made without the service's key
      | forgery                 |
      | unsigned (alg none)     |
      | signed with another key |
      | with a kid header       |
      | with a jku header       |
      | with a tampered payload |

    # Signed with the service's own key, so the one thing broken is all it can refuse them for.
    @signing-key
    Examples: signed with the service's key
      | forgery                 |
      | signed with HS512       |
      | expired                 |
      | not yet valid           |
      | from another issuer     |
      | without an expiry       |
      | of the refresh type     |
      | for another subject     |
      | with a crit header      |
      | with a string expiry    |
      | with a boolean expiry   |
      | with padded base64      |
      | with nonzero spare bits |

  @signing-key
  Scenario: The forging step itself makes tokens the service accepts when nothing is broken
    Given I am logged in as "victim@example.com"
    And I use a forged access token that is valid
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 200

  Scenario Outline: Malformed Authorization headers are refused
    Given I am logged in as "victim@example.com"
    And I send no credentials
    And the next request has header "Authorization" set to "<header>"
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 401

    Examples:
      | header                      |
      | bearer {access_token}       |
      | Basic dmljdGltOnNlY3JldA==  |
      | Bearer                      |
      | Bearer  {access_token}      |
      | {access_token}              |
      | Bearer {access_token} extra |

  Scenario: Two Authorization headers are refused
    Given I am logged in as "victim@example.com"
    And I send no credentials
    And the next request has the headers:
      | Authorization | Bearer {access_token} |
      | Authorization | Bearer {access_token} |
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 401

  @direct
  Scenario: A 60,000-character Authorization header is refused quickly
    # Just under the 64 KiB the server takes for all headers; past it net/http answers 431 itself.
    When I send a GET request to "/api/v1/users/me" with an Authorization header of 60000 characters
    Then the response status should be 401

  Scenario: Errors never echo what was sent
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com", "password": "Sup3r-Secret-Guess!"}
      """
    Then the response status should be 401
    And the response should not contain "Sup3r-Secret-Guess!"
    When I send a POST request to "/api/v1/auth/refresh" with body:
      """
      {"refresh_token": "eyJhbGciOiJIUzI1NiJ9.eyJzZWNyZXQiOiJ4In0.c2lnbmF0dXJl"}
      """
    Then the response should not contain "eyJhbGciOiJIUzI1NiJ9"

  Scenario: Look-alike addresses are different accounts and never log into each other
    Given a registered user "mike@example.com"
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "mıke@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "Dotless", "last_name": "Mike"}
      """
    Then the response status should be 201
    And the response field "email" should be "mıke@example.com"
    And the response field "id" should not be "{mike.id}"
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "mıke@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 200
    And I remember the response field "access_token" as "dotless"
    When I use the bearer token "{dotless}"
    And I send a GET request to "/api/v1/users/me"
    Then the response field "email" should be "mıke@example.com"

  Scenario Outline: Unicode case and normalisation never lead to another account
    Given a registered user "<owner>"
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "<lookalike>", "password": "SecurePass123!"}
      """
    Then the response status should be <login>
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "<lookalike>", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "Look", "last_name": "Alike"}
      """
    Then the response status should be <register>

    Examples:
      | owner             | lookalike          | login | register |
      | mike@example.com  | MİKE@example.com   | 401   | 201      |
      | kate@example.com  | \u212Aate@example.com | 422   | 422      |
      | anna@example.com  | ANNA@example.com   | 200   | 409      |

  Scenario: A login password longer than any stored one is a validation error, not a guess
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "victim@example.com",
       "password": "Aa1!{126 × "a"}"}
      """
    Then the response should be a validation error at "body.password" of type "string_too_long"

  Scenario: A JSON operator object where a string belongs never reaches the database
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": {"$gt": ""}, "password": {"$ne": null}}
      """
    Then the response should be a validation error at "body.email" of type "string_type"
    And the response should be a validation error at "body.password" of type "string_type"

  Scenario: Invalid UTF-8 in a body is refused
    When I send a POST request to "/api/v1/auth/login" with invalid UTF-8 in the field "email"
    Then the response should be a validation error at "body" of type "json_invalid"
