package warehouse

import (
	"context"
	"database/sql"
	"fmt"
)

// The review queue: the pairs of records that record linkage scored in its
// review band (etl/linkage.go) and no analyst has decided yet. It is record
// level, for registrars signed in as analysts, and never published: a
// table of the warehouse's main schema that ReadSlice refuses.

// ReviewPair is one pair waiting for an analyst, with what the two records
// say (no names: the lake holds none, only keyed encodings).
type ReviewPair struct {
	EventType string
	A, B      ReviewRecord
	Weight    float64 // log2 odds of a match
	Levels    string  // each field's comparison level
}

// ReviewRecord is what an analyst sees of one record of a pair.
type ReviewRecord struct {
	EventID, RegNo, Date, Sex, RegistrationCommune, Residence, Provenance string
}

const reviewQuery = `create or replace table link_review as
with decided as (
    select event_type, least(a, b) as a, greatest(a, b) as b from raw_link_decision group by all
),
pairs as (
    select p.event_type, p.a, p.b, arg_max(p.weight, p.batch) as weight, arg_max(p.levels, p.batch) as levels,
           arg_max(p.decision, p.batch) as decision
    from raw_link_pair as p
    group by all
),
recs as (
    select 'birth' as event_type, event_id, arg_max(reg_no, version) as reg_no, arg_max(event_date, version) as event_date,
           arg_max(sex, version) as sex, arg_max(registration_commune, version) as registration_commune,
           arg_max(mother_residence_commune, version) as residence, arg_max(provenance, version) as provenance
    from raw_birth where event_id in (select a from pairs union select b from pairs) group by event_id
    union all
    select 'death', event_id, arg_max(reg_no, version), arg_max(event_date, version), arg_max(sex, version),
           arg_max(registration_commune, version), arg_max(residence_commune, version), arg_max(provenance, version)
    from raw_death where event_id in (select a from pairs union select b from pairs) group by event_id
),
clusters as (
    -- the staging model's (an arg_max over every event did not fit a
    -- national build's memory)
    select event_type, event_id, cluster_id from stg_lake__link_clusters
)
select p.event_type, p.a, p.b, p.weight, p.levels,
       ra.reg_no as a_reg_no, ra.event_date as a_date, ra.sex as a_sex, ra.registration_commune as a_registration_commune,
       ra.residence as a_residence, ra.provenance as a_provenance,
       rb.reg_no as b_reg_no, rb.event_date as b_date, rb.sex as b_sex, rb.registration_commune as b_registration_commune,
       rb.residence as b_residence, rb.provenance as b_provenance
from pairs as p
anti join decided as d on d.event_type = p.event_type and d.a = least(p.a, p.b) and d.b = greatest(p.a, p.b)
left join recs as ra on ra.event_type = p.event_type and ra.event_id = p.a
left join recs as rb on rb.event_type = p.event_type and rb.event_id = p.b
left join clusters as ca on ca.event_type = p.event_type and ca.event_id = p.a
left join clusters as cb on cb.event_type = p.event_type and cb.event_id = p.b
where p.decision = 'review' and ca.cluster_id is distinct from cb.cluster_id
order by p.weight desc, p.a, p.b`

func buildReview(ctx context.Context, conn *sql.Conn) error {
	_, err := conn.ExecContext(ctx, reviewQuery)
	return err
}

// ReviewQueue reads up to limit pairs waiting for review, the most likely
// matches first, and how many wait in all.
func ReviewQueue(ctx context.Context, db *sql.DB, eventType string, limit int) ([]ReviewPair, int, error) {
	var total int
	if err := db.QueryRowContext(ctx, "select count(*) from link_review where event_type = ?", eventType).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("review queue: %w", err)
	}
	rows, err := db.QueryContext(ctx, `select event_type, a, b, weight, levels,
		coalesce(a_reg_no, ''), coalesce(a_date::varchar, ''), coalesce(a_sex, ''), coalesce(a_registration_commune, ''), coalesce(a_residence, ''), coalesce(a_provenance, ''),
		coalesce(b_reg_no, ''), coalesce(b_date::varchar, ''), coalesce(b_sex, ''), coalesce(b_registration_commune, ''), coalesce(b_residence, ''), coalesce(b_provenance, '')
		from link_review where event_type = ? order by weight desc, a, b limit ?`, eventType, limit)
	if err != nil {
		return nil, 0, fmt.Errorf("review queue: %w", err)
	}
	defer rows.Close()
	var out []ReviewPair
	for rows.Next() {
		var p ReviewPair
		if err := rows.Scan(&p.EventType, &p.A.EventID, &p.B.EventID, &p.Weight, &p.Levels,
			&p.A.RegNo, &p.A.Date, &p.A.Sex, &p.A.RegistrationCommune, &p.A.Residence, &p.A.Provenance,
			&p.B.RegNo, &p.B.Date, &p.B.Sex, &p.B.RegistrationCommune, &p.B.Residence, &p.B.Provenance); err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}
