module github.com/sluice-io/sluice/transforms/syslog

go 1.26
