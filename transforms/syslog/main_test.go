package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	// data: base64 of "<34>Oct 11 22:14:15 mymachine su: failed" and of "garbage".
	in := `{"invocationId":"inv","deliveryStreamArn":"arn:aws:firehose:us-east-1:000000000000:deliverystream/d",
	"region":"us-east-1","sourceKinesisStreamArn":"arn:aws:kinesis:us-east-1:000000000000:stream/s",
	"records":[
	 {"recordId":"1","approximateArrivalTimestamp":1760961600000,"data":"PDM0Pk9jdCAxMSAyMjoxNDoxNSBteW1hY2hpbmUgc3U6IGZhaWxlZA==",
	  "kinesisRecordMetadata":{"shardId":"shardId-000000000000","partitionKey":"k","approximateArrivalTimestamp":1760961600000,
	  "sequenceNumber":"1","subsequenceNumber":0}},
	 {"recordId":"2","approximateArrivalTimestamp":1760961600000,"data":"Z2FyYmFnZQ=="}]}`
	var out bytes.Buffer
	if err := run(strings.NewReader(in), &out); err != nil {
		t.Fatal(err)
	}
	// data: base64 of {"facility":4,"severity":2,"timestamp":"2025-10-11T22:14:15Z","host":"mymachine","app":"su","message":"failed"}
	want := `{"records":[{"recordId":"1","result":"Ok","data":"eyJmYWNpbGl0eSI6NCwic2V2ZXJpdHkiOjIsInRpbWVzdGFtcCI6IjIwMjUtMTAtMTFUMjI6MTQ6MTVaIiwiaG9zdCI6Im15bWFjaGluZSIsImFwcCI6InN1IiwibWVzc2FnZSI6ImZhaWxlZCJ9"},` +
		`{"recordId":"2","result":"ProcessingFailed","errorMessage":"not a syslog line: no \u003cPRI\u003e at the start"}]}` + "\n"
	if out.String() != want {
		t.Errorf("response\n%s\nwant\n%s", out.String(), want)
	}
}

func TestRunRefusesABadEvent(t *testing.T) {
	var out bytes.Buffer
	if err := run(strings.NewReader(`{"records": 5}`), &out); err == nil {
		t.Error("an event that does not decode must be an error")
	}
}
