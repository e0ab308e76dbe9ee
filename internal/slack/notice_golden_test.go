package slack

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/whoowns/whoowns/internal/bot"
	"github.com/whoowns/whoowns/internal/ownership"
	"github.com/whoowns/whoowns/internal/rich"
)

// TestNoticeGolden pins the private messages the bot starts, as the
// chat.postMessage body it sends: a review with its two buttons, the
// successor picker after "No, hand over", a handover request with Approve
// and Decline, and the picker that fills a vacated role.
func TestNoticeGolden(t *testing.T) {
	t.Parallel()
	checkout := bot.TeamRef{ID: "checkout", Name: "Checkout"}
	review := bot.ReviewAsk{Team: checkout, Role: ownership.ProductOwner, RoleName: "Product Owner"}
	req := &ownership.Request{ID: "r-20261206-1", Kind: ownership.Handover, Team: "checkout", Role: ownership.ProductOwner,
		From: marco, Successor: priya, Created: at, Expires: at.Add(14 * 24 * time.Hour)}
	for name, m := range map[string]message{
		"notice_review":           noticeMessage(bot.Notice{Text: review.Question(), Review: &review}),
		"notice_review_successor": successorMessage(review),
		"notice_request": noticeMessage(bot.Notice{Request: req,
			Text: rich.Sprintf("%s asks to hand over %s of %s to %s.", rich.Mention(marco.ID, marco.Label()), "Product Owner", rich.Strong("Checkout"), rich.Mention(priya.ID, priya.Label()))}),
		"notice_fill": noticeMessage(bot.Notice{Fill: &bot.FillOffer{Team: checkout, Role: ownership.ProductOwner, RoleName: "Product Owner"},
			Text: rich.Sprintf("%s left the workspace; %s of %s is vacant.", marco.Label(), "Product Owner", rich.Strong("Checkout"))}),
		"notice_text": noticeMessage(bot.Notice{Text: rich.Lines(rich.Plain("Your cover of Product Owner on Checkout ended."), rich.Sprintf("%s holds it again.", rich.Mention(marco.ID, marco.Label())))}),
	} {
		m.Channel = "D0LEAD"
		checkLimits(t, m.Blocks)
		body, err := appendPostMessage(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, json.RawMessage(body))
	}
}
