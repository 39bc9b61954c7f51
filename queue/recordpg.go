package queue

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strconv"
)

// sqlRecordSettledPostgres records an attempt's result and settles its job
// in one statement on PostgreSQL, where each statement is a round trip
// (issue 12): sqlRecordResult ($1-$7), then sqlSettleJobPostgres ($8-$13)
// only if the record was written, that is when the attempt still owned
// the delivery and had not been recorded already. The statement returns
// whether it was; when it was not, nothing changed and the caller asks
// who owns the delivery and settles as before. A data-modifying WITH runs
// to completion whether or not the query reads it. The join extends the
// settlement's WHERE clause, which ends sqlSettleJobPostgres.
func sqlRecordSettledPostgres() string {
	return `WITH recorded AS (` + dialectPostgres.rebind(sqlRecordResult) + ` RETURNING id),
	settled AS (` + shiftParams(sqlSettleJobPostgres, 7) + ` AND EXISTS (SELECT 1 FROM recorded) RETURNING id)
	SELECT count(*) FROM recorded`
}

// shiftParams renumbers a statement's $n parameters as $(n+by).
func shiftParams(query string, by int) string {
	return regexp.MustCompile(`\$(\d+)`).ReplaceAllStringFunc(query, func(p string) string {
		n, _ := strconv.Atoi(p[1:])
		return "$" + strconv.Itoa(n+by)
	})
}

// recordSettledPostgresTx is recordOwnedTx and settleTx(settled) in one
// round trip when the attempt owns its delivery. settled false: nothing
// was written, and the caller goes the long way.
func (s *Store) recordSettledPostgresTx(ctx context.Context, tx *sql.Tx, d Delivery, r attemptResult, st jobSettlement) (owner, settled bool, err error) {
	args := append(s.recordArgs(d, r), s.settleArgs(st)...)
	var recorded int
	if err := stmt(ctx, tx, s.stmts.recordSettledPostgres).QueryRowContext(ctx, args...).Scan(&recorded); err != nil {
		return false, false, fmt.Errorf("record and settle job %d: %w", st.jobID, err)
	}
	if recorded == 0 {
		return false, false, nil
	}
	return true, true, s.requeueTx(ctx, tx, d, r)
}
