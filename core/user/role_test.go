package user_test

import (
	"slices"
	"testing"
	"time"

	"github.com/authd/authd/core/user"
)

func TestGrantAndRevokeReportWhetherTheyChangedAnything(t *testing.T) {
	t.Parallel()
	const other user.Role = "auditor"
	tests := []struct {
		name    string
		roles   []user.Role
		grant   bool
		role    user.Role
		changed bool
		want    []user.Role
	}{
		{"grant to none", nil, true, user.RoleAdmin, true, []user.Role{user.RoleAdmin}},
		{"grant held", []user.Role{user.RoleAdmin}, true, user.RoleAdmin, false, []user.Role{user.RoleAdmin}},
		{"grant keeps them sorted", []user.Role{other}, true, user.RoleAdmin, true, []user.Role{user.RoleAdmin, other}},
		{"revoke held", []user.Role{user.RoleAdmin, other}, false, user.RoleAdmin, true, []user.Role{other}},
		{"revoke the last leaves nil", []user.Role{user.RoleAdmin}, false, user.RoleAdmin, true, nil},
		{"revoke not held", []user.Role{other}, false, user.RoleAdmin, false, []user.Role{other}},
		{"revoke from none", nil, false, user.RoleAdmin, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := &user.User{Roles: slices.Clone(tt.roles)}
			var changed bool
			if tt.grant {
				changed = u.Grant(tt.role)
			} else {
				changed = u.Revoke(tt.role)
			}
			if changed != tt.changed || !slices.Equal(u.Roles, tt.want) || (tt.want == nil) != (u.Roles == nil) {
				t.Fatalf("changed %v, roles %#v; want %v, %#v", changed, u.Roles, tt.changed, tt.want)
			}
			if u.HasRole(tt.role) != tt.grant {
				t.Errorf("HasRole(%s) = %v after grant=%v", tt.role, !tt.grant, tt.grant)
			}
		})
	}
}

func TestAnOperatorsChangesEndEverySession(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		change func(*user.User)
		check  func(*user.User) bool
	}{
		{"deactivate", (*user.User).Deactivate, func(u *user.User) bool { return !u.IsActive }},
		{"require reset", (*user.User).RequireReset, func(u *user.User) bool { return u.ResetRequired && u.Tokens == nil }},
		{"delete", func(u *user.User) { u.Delete(now) }, func(u *user.User) bool {
			return u.DeletedAt != nil && u.DeletedAt.Equal(now) && !u.IsActive && u.Tokens == nil && u.Outbox == nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := user.New("000000000000000000000001", "a@example.com", "hash", user.Profile{}, now)
			u.IssueToken(user.Token{Purpose: user.ResetPassword, Digest: "d", ExpiresAt: now.Add(time.Hour)})
			u.Notify(user.Notice{Kind: user.NoticeVerifyEmail})
			u.ChangePassword("hash2", "kept") // a session kept by the last password change
			epoch := u.TokenEpoch
			tt.change(u)
			if !tt.check(u) {
				t.Fatalf("after %s: %+v", tt.name, u)
			}
			if u.SessionValid("any", epoch) || u.SessionValid("kept", epoch-1) {
				t.Error("a session survived")
			}
		})
	}
	u := user.New("000000000000000000000001", "a@example.com", "hash", user.Profile{}, now)
	u.Deactivate()
	epoch := u.TokenEpoch
	u.Activate()
	if !u.IsActive || u.TokenEpoch != epoch {
		t.Errorf("Activate: active %v, epoch %d→%d; want active, the epoch unchanged", u.IsActive, epoch, u.TokenEpoch)
	}
}
