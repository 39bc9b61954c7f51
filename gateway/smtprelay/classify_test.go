package smtprelay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"

	"github.com/emersion/go-smtp"
)

func TestClassifyReply(t *testing.T) {
	tests := []struct {
		code int
		ec   smtp.EnhancedCode
		text string
		st   stage
		want Kind
	}{
		{451, smtp.EnhancedCode{4, 3, 0}, "Mail server temporarily rejected message.", stageData, KindTemporary},
		{450, smtp.EnhancedCode{4, 2, 1}, "Peak SMTP relay limit exceeded for customer.", stageRcpt, KindQuota},
		{421, smtp.EnhancedCode{4, 7, 0}, "Try again later, closing connection.", stageMail, KindTemporary},
		{432, smtp.EnhancedCode{4, 3, 2}, "Concurrent connections limit exceeded.", stageAuth, KindQuota},
		{550, smtp.EnhancedCode{5, 1, 1}, "The email account that you tried to reach does not exist.", stageRcpt, KindPermanent},
		{550, smtp.EnhancedCode{5, 4, 5}, "Daily user sending limit exceeded.", stageData, KindQuota},
		{550, smtp.EnhancedCode{5, 4, 5}, "Daily sending quota exceeded.", stageMail, KindQuota},
		{550, smtp.EnhancedCode{5, 7, 1}, "Daily SMTP relay limit exceeded for customer.", stageMail, KindQuota},
		{554, smtp.EnhancedCode{5, 2, 0}, "STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception", stageData, KindQuota},
		{550, smtp.EnhancedCode{5, 2, 251}, "Sender throttled due to continuous mailbox full errors.", stageMail, KindQuota},
		{552, smtp.EnhancedCode{5, 2, 2}, "The email account that you tried to reach is over quota.", stageRcpt, KindQuota},
		{552, smtp.EnhancedCode{5, 3, 4}, "Message size exceeds fixed limit", stageData, KindPermanent},
		{550, smtp.EnhancedCode{5, 5, 3}, "Too many recipients", stageRcpt, KindPermanent},
		{535, smtp.EnhancedCode{5, 7, 8}, "Username and Password not accepted.", stageAuth, KindAuth},
		{535, smtp.EnhancedCode{5, 7, 3}, "Authentication unsuccessful", stageAuth, KindAuth},
		{534, smtp.EnhancedCode{5, 7, 9}, "Application-specific password required.", stageAuth, KindAuth},
		{530, smtp.EnhancedCode{5, 7, 57}, "Client not authenticated to send mail.", stageMail, KindAuth},
		{504, smtp.EnhancedCode{5, 7, 4}, "Unrecognized authentication type", stageAuth, KindAuth},
		{454, smtp.EnhancedCode{4, 7, 0}, "Temporary authentication failure", stageAuth, KindTemporary},
		{550, smtp.EnhancedCode{5, 7, 1}, "Relaying denied", stageRcpt, KindPermanent},
		// The enhanced class decides over the basic code (RFC 3463 section 2).
		{550, smtp.EnhancedCode{4, 4, 1}, "odd but seen", stageRcpt, KindTemporary},
		// No enhanced code: the basic code decides.
		{451, smtp.NoEnhancedCode, "Local error", stageData, KindTemporary},
		{554, smtp.NoEnhancedCode, "Transaction failed", stageData, KindPermanent},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d %v %s", tt.code, tt.ec, tt.text), func(t *testing.T) {
			e := classifyReply(&smtp.SMTPError{Code: tt.code, EnhancedCode: tt.ec, Message: tt.text}, tt.st)
			if e.Kind != tt.want {
				t.Errorf("kind %v, want %v", e.Kind, tt.want)
			}
			if e.Temporary() != (tt.want != KindPermanent) {
				t.Errorf("Temporary() = %v for kind %v", e.Temporary(), e.Kind)
			}
		})
	}
}

func TestTemporaryOfAnyError(t *testing.T) {
	tests := []struct {
		err  error
		want bool
	}{
		{&net.OpError{Op: "dial", Err: errors.New("connection refused")}, true},
		{fmt.Errorf("read reply: %w", io.EOF), true},
		{context.DeadlineExceeded, true},
		{fmt.Errorf("send: %w", &Error{Kind: KindQuota}), true},
		{&Error{Kind: KindPermanent}, false},
		{&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 4, 5}, Message: "Daily sending quota exceeded."}, true},
		{&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}, false},
		{errors.New("something else"), false},
	}
	for _, tt := range tests {
		if got := Temporary(tt.err); got != tt.want {
			t.Errorf("Temporary(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}

func TestClassifyPrefersEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	e := classify(ctx, net.ErrClosed, stageData)
	if e.Kind != KindNetwork || !errors.Is(e, context.Canceled) {
		t.Fatalf("classify = %v", e)
	}
}

func TestErrorString(t *testing.T) {
	e := classifyReply(&smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}, stageRcpt)
	if got, want := e.Error(), "smtp relay: permanent: 550 5.1.1 No such user"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var se *smtp.SMTPError
	if !errors.As(e, &se) || se.Code != 550 {
		t.Errorf("the go-smtp reply is not reachable through Unwrap")
	}
}

func TestParseEnhanced(t *testing.T) {
	tests := []struct {
		in   string
		want smtp.EnhancedCode
		ok   bool
	}{
		{"5.7.8", smtp.EnhancedCode{5, 7, 8}, true},
		{"4.2.251", smtp.EnhancedCode{4, 2, 251}, true},
		{"5.7", smtp.EnhancedCode{}, false},
		{"Hello", smtp.EnhancedCode{}, false},
		{"5.7.8.1", smtp.EnhancedCode{}, false},
		{"5.7.8x", smtp.EnhancedCode{}, false},
		{"+5.-7.8", smtp.EnhancedCode{}, false},
		{"3.0.0", smtp.EnhancedCode{}, false},
		{"5.1234.0", smtp.EnhancedCode{}, false},
	}
	for _, tt := range tests {
		got, ok := parseEnhanced(tt.in)
		if ok != tt.ok || ok && got != tt.want {
			t.Errorf("parseEnhanced(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}
