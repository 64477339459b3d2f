Feature: Register
  A new user creates an account with an email, a password typed twice and their name.

  Scenario: A new user registers
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "john@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "John", "last_name": "Doe"}
      """
    Then the response status should be 201
    And the response should match JSON:
      """
      {"id": "<objectid>", "email": "john@example.com", "is_active": true, "is_verified": false,
       "created_at": "<timestamp>", "last_login": null,
       "profile": {"first_name": "John", "last_name": "Doe", "bio": null, "phone_number": null}}
      """
    And the response should not contain "SecurePass123!"
    And the response should not contain "argon2"

  Scenario: The email is stored lower-cased and trimmed
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "  Mixed.Case@Example.COM ", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "Mixed", "last_name": "Case"}
      """
    Then the response status should be 201
    And the response field "email" should be "mixed.case@example.com"

  Scenario: An email that is already registered, in any case, is refused
    Given a registered user "taken@example.com"
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "TAKEN@example.com", "password": "AnotherPass456?", "confirm_password": "AnotherPass456?",
       "first_name": "Second", "last_name": "Comer"}
      """
    Then the response status should be 409
    And the response should be an error with code "email_taken"

  Scenario: Twenty parallel registrations of one email create one account
    When I send 20 concurrent POST requests to "/api/v1/auth/register" with body:
      """
      {"email": "race@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "Race", "last_name": "Condition"}
      """
    Then exactly 1 of them should have status 201
    And the others should have status 409

  Scenario: Passwords that do not match
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "mismatch@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass124!",
       "first_name": "Mis", "last_name": "Match"}
      """
    Then the response should be a validation error at "body.confirm_password" of type "value_error"

  Scenario Outline: Invalid fields are rejected with their location
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": <email>, "password": <password>, "confirm_password": <password>,
       "first_name": <first>, "last_name": "Doe"}
      """
    Then the response should be a validation error at "<loc>" of type "<type>"

    Examples:
      | email                  | password                  | first                    | loc              | type             |
      | "not-an-email"         | "SecurePass123!"          | "John"                   | body.email       | value_error      |
      | "a@b"                  | "SecurePass123!"          | "John"                   | body.email       | value_error      |
      | "John <j@example.com>" | "SecurePass123!"          | "John"                   | body.email       | value_error      |
      | "short@example.com"    | "Sh0rt!"                  | "John"                   | body.password    | string_too_short |
      | "weak@example.com"     | "password1"               | "John"                   | body.password    | password_too_weak |
      | "weak2@example.com"    | "qwertyuiop"              | "John"                   | body.password    | password_too_weak |
      | "blank@example.com"    | "SecurePass123!"          | "   "                    | body.first_name  | string_too_short |
      | "empty@example.com"    | "SecurePass123!"          | ""                       | body.first_name  | string_too_short |
      | "typed@example.com"    | "SecurePass123!"          | 42                       | body.first_name  | string_type      |
      | {"$ne": null}          | "SecurePass123!"          | "John"                   | body.email       | string_type      |
      | "nosql@example.com"    | {"$gt": ""}               | "John"                   | body.password    | string_type      |
      | "null@example.com"     | null                      | "John"                   | body.password    | string_type      |

  Scenario: A password longer than 128 characters is refused without being hashed
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "long@example.com",
       "password": "Aa1!{126 × "a"}",
       "confirm_password": "Aa1!{126 × "a"}",
       "first_name": "Long", "last_name": "Password"}
      """
    Then the response should be a validation error at "body.password" of type "string_too_long"

  Scenario: The weak-password message explains what is wrong
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "feedback@example.com", "password": "password123", "confirm_password": "password123",
       "first_name": "Feed", "last_name": "Back"}
      """
    Then the response should be a validation error at "body.password" of type "password_too_weak"
    And the response field "detail.0.msg" should match "common password"

  Scenario: A password made of the user's own name is too weak
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "margaretha@example.com", "password": "margarethahamilton", "confirm_password": "margarethahamilton",
       "first_name": "Margaretha", "last_name": "Hamilton"}
      """
    Then the response should be a validation error at "body.password" of type "password_too_weak"

  Scenario: Missing fields are each reported
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "missing@example.com"}
      """
    Then the response should be a validation error at "body.password" of type "missing"
    And the response should be a validation error at "body.confirm_password" of type "missing"
    And the response should be a validation error at "body.first_name" of type "missing"
    And the response should be a validation error at "body.last_name" of type "missing"

  Scenario Outline: Fields that are not part of registration are refused, not assigned
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "mass@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "Mass", "last_name": "Assignment", "<field>": <value>}
      """
    Then the response should be a validation error at "body.<field>" of type "extra_forbidden"
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "mass@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 401

    Examples:
      | field       | value                      |
      | is_verified | true                       |
      | is_active   | false                      |
      | id          | "507f1f77bcf86cd799439011" |
      | IS_VERIFIED | true                       |
      | Email       | "other@example.com"        |

  Scenario Outline: An address with an invisible or control character is refused, so no account can pose as another
    Given a registered user "alice@example.com"
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "<email>", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "Alice", "last_name": "Twin"}
      """
    Then the response status should be 422
    And the response should match JSON:
      """
      {"detail": [{"loc": ["body", "email"], "type": "value_error",
                   "msg": "value is not a valid email address: it contains <what> (<code>)"}]}
      """

    Examples:
      | email                    | what                                             | code   |
      | alice\u200B@example.com  | invisible or bidirectional formatting characters | U+200B |
      | ali\u200Dce@example.com  | invisible or bidirectional formatting characters | U+200D |
      | \uFEFFalice@example.com  | invisible or bidirectional formatting characters | U+FEFF |
      | ali\u00ADce@example.com  | invisible or bidirectional formatting characters | U+00AD |
      | \u202Eecila@example.com  | invisible or bidirectional formatting characters | U+202E |
      | alice\u2066@example.com  | invisible or bidirectional formatting characters | U+2066 |
      | alice\u034F@example.com  | invisible or bidirectional formatting characters | U+034F |
      | alice@example.com\u000A  | control characters                               | U+000A |
      | alice\u001B@example.com  | control characters                               | U+001B |
      | alice\u0085@example.com  | control characters                               | U+0085 |
      | alice\u2028@example.com  | line or paragraph separators                     | U+2028 |

  Scenario Outline: A name with a control or invisible character is refused and creates no account
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "nameless@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "<first>", "last_name": "<last>"}
      """
    Then the response status should be 422
    And the response should match JSON:
      """
      {"detail": [{"loc": ["body", "<field>"], "type": "value_error", "msg": "String must not contain <what> (<code>)"}]}
      """
    When I send a POST request to "/api/v1/auth/login" with body:
      """
      {"email": "nameless@example.com", "password": "SecurePass123!"}
      """
    Then the response status should be 401

    Examples:
      | first            | last          | field      | what                                             | code   |
      | \u001B[31mJohn   | Doe           | first_name | control characters                               | U+001B |
      | John\u0007       | Doe           | first_name | control characters                               | U+0007 |
      | John\u000ADoe    | Doe           | first_name | control characters                               | U+000A |
      | John\u000D       | Doe           | first_name | control characters                               | U+000D |
      | John\u0009Doe    | Doe           | first_name | control characters                               | U+0009 |
      | John             | Doe\u007F     | last_name  | control characters                               | U+007F |
      | John             | \u009B2J      | last_name  | control characters                               | U+009B |
      | John             | \u202Eeod     | last_name  | invisible or bidirectional formatting characters | U+202E |
      | John             | Doe\u2067     | last_name  | invisible or bidirectional formatting characters | U+2067 |
      | Jo\u200Bhn       | Doe           | first_name | invisible or bidirectional formatting characters | U+200B |
      | Jo\u200Dhn       | Doe           | first_name | invisible or bidirectional formatting characters | U+200D |
      | \u200FJohn       | Doe           | first_name | invisible or bidirectional formatting characters | U+200F |
      | John             | Do\u00ADe     | last_name  | invisible or bidirectional formatting characters | U+00AD |
      | \u3164           | Doe           | first_name | invisible or bidirectional formatting characters | U+3164 |
      | John             | Do\u2028e     | last_name  | line or paragraph separators                     | U+2028 |
      | John             | Doe\uE000     | last_name  | private-use characters                           | U+E000 |

  Scenario: Names in any script, emoji and accented addresses are accepted as sent
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "josé@example.com", "password": "SecurePass123!", "confirm_password": "SecurePass123!",
       "first_name": "Zoë 👩\u200D💻", "last_name": "山田 ❤\uFE0F"}
      """
    Then the response status should be 201
    And the response should match JSON:
      """
      {"email": "josé@example.com", "profile": {"first_name": "Zoë 👩\u200D💻", "last_name": "山田 ❤\uFE0F"}}
      """

  Scenario: A password's strength is scored only once every cheaper check has passed
    When I send a POST request to "/api/v1/auth/register" with body:
      """
      {"email": "weakmix@example.com", "password": "password1", "confirm_password": "password2", "first_name": "Ann", "last_name": "Bee"}
      """
    Then the response status should be 422
    And the response should be a validation error at "body.confirm_password" of type "value_error"
    And the response field "detail.1" should not exist
