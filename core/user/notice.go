package user

import "time"

// NoticeKind names a message the service owes someone.
type NoticeKind string

// The kinds of Notice. Those that carry a link get their token when they are delivered, not when
// they are queued, so a queued message holds no secret.
const (
	NoticeVerifyEmail   NoticeKind = "verify_email"   // link to verify the account's address
	NoticeResetPassword NoticeKind = "reset_password" // link to reset the password of the account at To, if there is one
	NoticePasswordReset NoticeKind = "password_reset" // the password was reset
	NoticeConfirmEmail  NoticeKind = "confirm_email"  // link, sent to the new address, to move the account there
	NoticeEmailChange   NoticeKind = "email_change"   // to the old address: a move to NewEmail was asked for
	NoticeEmailChanged  NoticeKind = "email_changed"  // to the old address: the account moved to NewEmail
)

// Notice is a message owed, in the domain's words; a mail adapter turns it into a letter.
type Notice struct {
	ID        string
	Kind      NoticeKind
	UserID    ID     // empty for NoticeResetPassword, which names only an address
	To        string // the address it goes to
	NewEmail  string // NoticeConfirmEmail, NoticeEmailChange, NoticeEmailChanged
	CreatedAt time.Time
}

// Notify queues n with the user: the store that writes the user moves it into the outbox in the
// same write, so the message is owed exactly when the change it tells of happened.
func (u *User) Notify(n Notice) {
	n.UserID = u.ID
	if n.To == "" {
		n.To = u.Email
	}
	u.Outbox = append(u.Outbox, n)
}
