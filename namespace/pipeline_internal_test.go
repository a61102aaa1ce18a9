package namespace

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/canvas-sdk-go/customdata/internal/testdb"
)

// TestPipeParameters: the text parameters a pipe sends arrive as the
// values they were, text arrays with quotes, backslashes, commas and
// braces included, and a failing statement reports the error underneath.
func TestPipeParameters(t *testing.T) {
	t.Parallel()
	d := testdb.New(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.DSN)
	require.NoError(t, err)
	defer conn.Close(ctx)

	// Unnamed; prepared; prepared again by a set that does not know the
	// connection has them already.
	for _, prepared := range []*preparedSet{nil, {names: map[string]bool{}}, {names: map[string]bool{}}} {
		pp := &pipe{ctx: ctx, conn: conn.PgConn(), prepared: prepared}
		in := []string{`plain`, `with "quotes"`, `back\slash`, `a,b`, `{braces}`, ``, `NULL`, `ünïcode`}
		var got []struct {
			S string `json:"s"`
		}
		var flags []struct {
			B bool  `json:"b"`
			N int64 `json:"n"`
		}
		pp.read("strings", &got, "SELECT s FROM unnest($1::text[]) WITH ORDINALITY AS u(s, o) ORDER BY o", in)
		pp.read("scalars", &flags, "SELECT $1::bool AS b, $2::bigint + $3::int AS n", true, int64(40), 2)
		// Twice: the second use of a prepared query skips its Parse.
		pp.read("strings", &got, "SELECT s FROM unnest($1::text[]) WITH ORDINALITY AS u(s, o) ORDER BY o", in)
		require.NoError(t, pp.flush())
		require.Len(t, got, len(in))
		for i, s := range in {
			assert.Equal(t, s, got[i].S)
		}
		require.Len(t, flags, 1)
		assert.True(t, flags[0].B)
		assert.Equal(t, int64(42), flags[0].N)

		pp.exec(stmt{sql: "SELECT 1/0", what: "divide"})
		pp.read("after", &flags, "SELECT true AS b, 1 AS n")
		err := pp.flush()
		require.Error(t, err)
		assert.Contains(t, err.Error(), "customdata: divide:")
		assert.Contains(t, err.Error(), "22012")
		pp.read("again", &flags, "SELECT false AS b, 7 AS n")
		require.NoError(t, pp.flush(), "the connection is usable after a failed batch")
		assert.Equal(t, int64(7), flags[0].N)
	}
}
