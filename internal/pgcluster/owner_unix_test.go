//go:build unix

package pgcluster

import (
	"os"
	"os/user"
	"strconv"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func ownerName(t *testing.T, fi os.FileInfo) string {
	st, ok := fi.Sys().(*syscall.Stat_t)
	require.True(t, ok)
	u, err := user.LookupId(strconv.Itoa(int(st.Uid)))
	require.NoError(t, err)
	return u.Username
}
