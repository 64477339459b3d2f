Feature: My profile
  A logged-in user reads and updates their own profile.

  Background:
    Given a registered user "erin@example.com"
    And I am logged in as "erin@example.com"

  Scenario: Read my profile
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 200
    And the response should match JSON:
      """
      {"id": "{erin.id}", "email": "erin@example.com", "is_active": true, "is_verified": false,
       "created_at": "<timestamp>", "last_login": "<timestamp>",
       "profile": {"first_name": "Test", "last_name": "Erin", "bio": null, "phone_number": null}}
      """

  Scenario: Update every field
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"first_name": "John", "last_name": "Doe", "bio": "Software developer passionate about technology",
       "phone_number": "+1234567890"}
      """
    Then the response status should be 200
    And the response should match JSON:
      """
      {"id": "{erin.id}", "email": "erin@example.com",
       "profile": {"first_name": "John", "last_name": "Doe",
                   "bio": "Software developer passionate about technology", "phone_number": "+1234567890"}}
      """
    When I send a GET request to "/api/v1/users/me"
    Then the response field "profile.phone_number" should be "+1234567890"

  Scenario: Omitted fields are unchanged and null clears bio and phone number
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"bio": "Hello", "phone_number": "+441234567890"}
      """
    Then the response status should be 200
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"bio": null}
      """
    Then the response status should be 200
    And the response should match JSON:
      """
      {"profile": {"first_name": "Test", "last_name": "Erin", "bio": null, "phone_number": "+441234567890"}}
      """
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"phone_number": null}
      """
    Then the response field "profile.phone_number" should equal null

  Scenario: An empty update changes nothing
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {}
      """
    Then the response status should be 200
    And the response field "profile.first_name" should be "Test"

  Scenario Outline: Invalid updates are refused and change nothing
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"bio": "kept", <change>}
      """
    Then the response should be a validation error at "<loc>" of type "<type>"
    When I send a GET request to "/api/v1/users/me"
    Then the response field "profile.bio" should equal null
    And the response field "email" should be "erin@example.com"
    And the response field "is_verified" should equal false

    Examples:
      | change                          | loc                | type             |
      | "first_name": ""                | body.first_name    | string_too_short |
      | "first_name": null              | body.first_name    | string_type      |
      | "last_name": "   "              | body.last_name     | string_too_short |
      | "last_name": "\u00a0\u3000"     | body.last_name     | string_too_short |
      | "phone_number": "12345"         | body.phone_number  | value_error      |
      | "phone_number": "+0123456789"   | body.phone_number  | value_error      |
      | "phone_number": 1234567890      | body.phone_number  | string_type      |
      | "email": "new@example.com"      | body.email         | extra_forbidden  |
      | "is_verified": true             | body.is_verified   | extra_forbidden  |
      | "is_active": false              | body.is_active     | extra_forbidden  |
      | "id": "507f1f77bcf86cd799439011" | body.id           | extra_forbidden  |
      | "password": "NewSecurePass123!" | body.password      | extra_forbidden  |
      | "BIO": "case"                   | body.BIO           | extra_forbidden  |

  Scenario: A bio longer than 500 characters is refused
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"bio": "{500 × "a"}b"}
      """
    Then the response should be a validation error at "body.bio" of type "string_too_long"

  Scenario: Reading and updating my profile needs an access token
    Given I send no credentials
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 401
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"first_name": "Nobody"}
      """
    Then the response status should be 401

  @admin
  Scenario: A deactivated account's token stops working
    Given the account "erin@example.com" has been deactivated by an operator
    When I send a GET request to "/api/v1/users/me"
    Then the response status should be 401

  Scenario Outline: A control or invisible character in my profile is refused and changes nothing
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"bio": "kept", "phone_number": "+441234567890"}
      """
    Then the response status should be 200
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"<field>": "<value>"}
      """
    Then the response status should be 422
    And the response should match JSON:
      """
      {"detail": [{"loc": ["body", "<field>"], "type": "value_error", "msg": "String must not contain <what> (<code>)"}]}
      """
    When I send a GET request to "/api/v1/users/me"
    Then the response should match JSON:
      """
      {"profile": {"first_name": "Test", "last_name": "Erin", "bio": "kept", "phone_number": "+441234567890"}}
      """

    Examples:
      | field        | value                 | what                                             | code    |
      | first_name   | \u001B]0;pwned\u0007  | control characters                               | U+001B  |
      | first_name   | Erin\u000D\u000AAdmin | control characters                               | U+000D  |
      | first_name   | \u009B31mErin         | control characters                               | U+009B  |
      | last_name    | \u0007                | control characters                               | U+0007  |
      | last_name    | Erin\u007F            | control characters                               | U+007F  |
      | last_name    | \u202Etxt.exe         | invisible or bidirectional formatting characters | U+202E  |
      | last_name    | Erin\u2067            | invisible or bidirectional formatting characters | U+2067  |
      | first_name   | \u200EErin            | invisible or bidirectional formatting characters | U+200E  |
      | first_name   | Er\u200Bin            | invisible or bidirectional formatting characters | U+200B  |
      | last_name    | Er\u200Cin            | invisible or bidirectional formatting characters | U+200C  |
      | first_name   | Er\u2060in            | invisible or bidirectional formatting characters | U+2060  |
      | first_name   | \uFEFFErin            | invisible or bidirectional formatting characters | U+FEFF  |
      | last_name    | Er\u00ADin            | invisible or bidirectional formatting characters | U+00AD  |
      | bio          | \u001B[2Jcleared      | control characters                               | U+001B  |
      | bio          | tab\u0009tab          | control characters                               | U+0009  |
      | bio          | \u202Ekept            | invisible or bidirectional formatting characters | U+202E  |
      | bio          | a\u200Db              | invisible or bidirectional formatting characters | U+200D  |
      | bio          | hidden\uDB40\uDC41    | invisible or bidirectional formatting characters | U+E0041 |
      | bio          | para\u2029graph       | line or paragraph separators                     | U+2029  |
      | bio          | logo\uF8FF            | private-use characters                           | U+F8FF  |
      | phone_number | +1234567890\u000A     | control characters                               | U+000A  |
      | phone_number | \u2028+1234567890     | line or paragraph separators                     | U+2028  |

  Scenario: A bio breaks lines with a line feed alone; CR LF is refused with a hint
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"bio": "one\r\ntwo"}
      """
    Then the response status should be 422
    And the response should match JSON:
      """
      {"detail": [{"loc": ["body", "bio"], "type": "value_error",
                   "msg": "String must not contain control characters (U+000D); break lines with a line feed (U+000A) alone"}]}
      """
    When I send a GET request to "/api/v1/users/me"
    Then the response field "profile.bio" should equal null

  Scenario: A bio keeps its line breaks; names and bio keep accents, other scripts and emoji
    When I send a PUT request to "/api/v1/users/me" with body:
      """
      {"first_name": "Zoë 👩\u200D💻", "last_name": "محمد", "bio": "First line\nSecond line 🏳\uFE0F\u200D🌈\n\n山田です"}
      """
    Then the response status should be 200
    When I send a GET request to "/api/v1/users/me"
    Then the response should match JSON:
      """
      {"profile": {"first_name": "Zoë 👩\u200D💻", "last_name": "محمد", "bio": "First line\nSecond line 🏳\uFE0F\u200D🌈\n\n山田です"}}
      """
