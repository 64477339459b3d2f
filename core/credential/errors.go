package credential

import "errors"

// Errors of the credential rules. The HTTP adapter maps each to one status.
var (
	// ErrInvalidCredentials: unknown email or wrong password, deliberately indistinguishable.
	ErrInvalidCredentials = errors.New("incorrect email or password")
	// ErrInactive: the password was right but the account is deactivated.
	ErrInactive = errors.New("account is inactive")
	// ErrInvalidToken: a token that is malformed, forged, expired or of the wrong type.
	ErrInvalidToken = errors.New("invalid or expired token")
	// ErrSessionRevoked: the token's session was logged out, replaced or expired.
	ErrSessionRevoked = errors.New("session has been revoked")
	// ErrRefreshReused: a refresh token that was already exchanged came back; the session is now revoked.
	ErrRefreshReused = errors.New("refresh token was already used; the session has been revoked")
	// ErrWrongPassword: change-password with an incorrect current password.
	ErrWrongPassword = errors.New("current password is incorrect")
	// ErrSessionNotFound: the session store has no such session.
	ErrSessionNotFound = errors.New("session not found")
	// ErrStaleRefresh: the session no longer holds the refresh id being spent (see Rotate).
	ErrStaleRefresh = errors.New("refresh token is not the session's current one")
	// ErrBadLink: a one-time token (reset, verification, email change) that is malformed, wrong,
	// used, superseded, expired or issued for a password or address the account no longer has,
	// deliberately indistinguishable.
	ErrBadLink = errors.New("the link is invalid or has expired")
	// ErrResetRequired: the password was right, but an operator asked for a new one; a reset sets it.
	ErrResetRequired = errors.New("a password reset is required before logging in")
	// ErrAdminRequired: the caller is not an administrator, by the roles stored now.
	ErrAdminRequired = errors.New("administrator role required")
	// ErrOwnAccount: an operator action an administrator may not take on their own account.
	ErrOwnAccount = errors.New("an administrator cannot do this to their own account")
	// ErrAlreadyVerified: a verification mail asked for an address that is verified already.
	ErrAlreadyVerified = errors.New("the email address is already verified")
)
