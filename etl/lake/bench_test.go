package lake

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"
)

// benchRow is shaped like a canonical birth: 30 columns, a third of them
// nullable, strings of the lengths the registry has (ids, 64-hex hashes,
// commune codes, enums).
type benchRow struct {
	EventID       string     `parquet:"event_id"`
	Version       int32      `parquet:"version"`
	Status        string     `parquet:"status"`
	ChildIDHash   string     `parquet:"child_id_hash"`
	MotherIDHash  *string    `parquet:"mother_id_hash"`
	Sex           string     `parquet:"sex"`
	DateOfBirth   Date       `parquet:"date_of_birth,date"`
	RegDate       Date       `parquet:"date_of_registration,date"`
	RegTime       time.Time  `parquet:"registered_at,timestamp(microsecond)"`
	Commune       string     `parquet:"commune"`
	FacilityID    *string    `parquet:"facility_id"`
	FacilityType  string     `parquet:"facility_type"`
	RegCommune    string     `parquet:"registration_commune"`
	MotherCommune *string    `parquet:"mother_residence_commune"`
	MotherDOB     *Date      `parquet:"mother_date_of_birth,date"`
	MotherAge     *int32     `parquet:"mother_age"`
	MotherNat     string     `parquet:"mother_nationality"`
	FatherAge     *int32     `parquet:"father_age"`
	BirthOrder    *int32     `parquet:"live_birth_order"`
	Plurality     int32      `parquet:"plurality"`
	BirthWeight   *int32     `parquet:"birth_weight_g"`
	Gestation     *int32     `parquet:"gestation_weeks"`
	Attendant     string     `parquet:"attendant"`
	Education     *string    `parquet:"mother_education"`
	Marital       string     `parquet:"marital_status"`
	Source        string     `parquet:"source"`
	SourceRef     string     `parquet:"source_ref"`
	Notified      bool       `parquet:"notified"`
	Weight        float64    `parquet:"weight"`
	NotifiedAt    *time.Time `parquet:"notified_at,timestamp(microsecond)"`
	Year          int32      `parquet:"occurrence_year"`
}

// BenchmarkBackfill writes LAKE_BENCH_ROWS rows (default 5,000,000) across
// 100 partitions (4 tables × 25 years) in one batch, one Write per row as the
// ETL does, and commits. Run it alone, under /usr/bin/time -v, for peak RSS:
//
//	go test -c -o /tmp/lake.test ./etl/lake
//	/usr/bin/time -v /tmp/lake.test -test.run '^$' -test.bench Backfill -test.benchtime 1x
func BenchmarkBackfill(b *testing.B) {
	n := 5_000_000
	if s := os.Getenv("LAKE_BENCH_ROWS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	hashes := make([]string, 4096)
	for i := range hashes {
		hashes[i] = fmt.Sprintf("%016x%016x%016x%016x", rng.Uint64(), rng.Uint64(), rng.Uint64(), rng.Uint64())
	}
	communes := make([]string, 1600)
	for i := range communes {
		communes[i] = fmt.Sprintf("%06d", 10101+i*37)
	}
	tables := []string{"birth", "death", "fetal_death", "marriage"}
	for range b.N {
		dir := b.TempDir()
		l, err := Open(dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		batch, err := l.Begin("backfill")
		if err != nil {
			b.Fatal(err)
		}
		writers := make([]*PartitionWriter[benchRow], 100)
		for i := range writers {
			if writers[i], err = Writer[benchRow](batch, tables[i/25], 2000+i%25); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		for i := range n {
			h := hashes[i%len(hashes)]
			c := communes[i%len(communes)]
			age, w, order := int32(15+i%35), int32(1500+i%3000), int32(1+i%6)
			r := benchRow{
				EventID: "B" + strconv.Itoa(i), Version: 1, Status: "registered", ChildIDHash: h, MotherIDHash: &h,
				Sex: "F", DateOfBirth: Date(11000 + i%9000), RegDate: Date(11010 + i%9000),
				RegTime: time.UnixMicro(int64(i) * 1_000_003).UTC(), Commune: c, FacilityType: "health_centre",
				RegCommune: c, MotherCommune: &c, MotherAge: &age, MotherNat: "KH", BirthOrder: &order,
				Plurality: 1, BirthWeight: &w, Attendant: "midwife", Marital: "married", Source: "ict",
				SourceRef: "reg:" + strconv.Itoa(i), Weight: 1,
			}
			if i%3 == 0 {
				r.FacilityID, r.Gestation, r.FatherAge = &c, &age, &age
			}
			k := rng.IntN(len(writers))
			r.Year = int32(2000 + k%25)
			if err := writers[k].Write(r); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := batch.Commit([]byte(`{}`), nil); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		var size int64
		files, _ := l.Files("birth")
		for _, f := range files {
			st, _ := os.Stat(f)
			size += st.Size()
		}
		l.Close()
		b.ReportMetric(float64(n)/elapsed.Seconds(), "rows/s")
		b.ReportMetric(float64(size)*4/float64(n), "bytes/row")
		b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
	}
}

// peakRSSMiB reads VmHWM, the process's peak resident set, from Linux.
func peakRSSMiB() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range bytes.Lines(data) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			kb, _ := strconv.Atoi(string(bytes.Fields(v)[0]))
			return float64(kb) / 1024
		}
	}
	return 0
}
