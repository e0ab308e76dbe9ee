package bot

import (
	"context"

	"github.com/whoowns/whoowns/internal/ownership"
)

// TeamForChannel returns the team a channel is linked to, for transports
// that must know it (welcoming someone who joins the channel) without
// reading the directory themselves. ok is false when no team links it.
func (s *Service) TeamForChannel(ctx context.Context, tenant ownership.TenantID, channelID string) (team TeamRef, ok bool, err error) {
	d, err := s.store.Directory(ctx, tenant)
	if err != nil {
		return TeamRef{}, false, err
	}
	t := d.ChannelTeam(channelID)
	if t == nil {
		return TeamRef{}, false, nil
	}
	return TeamRef{ID: t.ID, Name: t.Name}, true, nil
}
