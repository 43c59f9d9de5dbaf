package rdb

// This file is a placeholder for the batch job methods; the rdb work of
// issue 13 replaces it.

import (
	"context"
	"errors"
	"time"

	"abaco"
)

var errTODO = errors.New("rdb: not implemented yet")

func (b *Broker) SubmitJobs(ctx context.Context, queue string, s abaco.JobSubmission) (string, error) {
	if len(s.Jobs) == 1 && s.IdemKey == "" {
		j := s.Jobs[0]
		return "", b.SubmitJob(ctx, queue, j.ID, j.Record, j.TTL, s.Limit)
	}
	return "", errTODO
}
func (b *Broker) LoadJobs(ctx context.Context, queue string, ids []string) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		v, err := b.LoadJob(ctx, queue, id)
		if abaco.ErrorCode(err) == abaco.CodeNotFound {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}
func (b *Broker) FinishJobs(ctx context.Context, queue string, jobs []abaco.JobRecord) error {
	for _, j := range jobs {
		if err := b.SaveJob(ctx, queue, j.ID, j.Record, j.TTL); err != nil {
			return err
		}
	}
	return nil
}
func (b *Broker) WatchJobs(ctx context.Context, queue string, subscribed func(), finished func(ids []string)) error {
	return errTODO
}
func (b *Broker) CancelJob(ctx context.Context, queue, id string, record []byte, ttl time.Duration) (bool, error) {
	return false, errTODO
}
func (b *Broker) RecentJobs(ctx context.Context, queue string, before int64, limit int) ([]abaco.RecentJob, error) {
	return nil, errTODO
}
