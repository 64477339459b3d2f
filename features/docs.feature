Feature: The API describes itself
  Clients read the OpenAPI document, or browse it in Swagger UI, straight from the service.

  Scenario: The OpenAPI document is served as JSON
    When I send a GET request to "/openapi.json"
    Then the response status should be 200
    And the response header "Content-Type" should be "application/json"
    And the response field "openapi" should match "^3\.1\.\d+$"
    And the response field "paths./api/v1/auth/login.post.operationId" should be "login"

  Scenario: Swagger UI is served with its own files, and may load only those
    When I send a GET request to "/docs"
    Then the response status should be 200
    And the response header "Content-Type" should be "text/html; charset=utf-8"
    And the response header "Content-Security-Policy" should contain "script-src 'self'"
    And the response header "Content-Security-Policy" should contain "frame-ancestors 'none'"
    When I send a GET request to "/docs/swagger-ui-bundle.js"
    Then the response status should be 200
    And the response header "Content-Type" should be "text/javascript; charset=utf-8"

  Scenario: Nothing else of the Swagger UI build is served
    When I send a GET request to "/docs/swagger-ui-bundle.js.map"
    Then the response status should be 404
    And the response should be an error with code "not_found"

  Scenario: The API outside the docs keeps the strict content policy
    When I send a GET request to "/openapi.json"
    Then the response header "Content-Security-Policy" should be "default-src 'none'; frame-ancestors 'none'"
