package firehose

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsfirehose "github.com/aws/aws-sdk-go-v2/service/firehose"
	"github.com/aws/aws-sdk-go-v2/service/firehose/types"

	"github.com/sluice-io/sluice/host/delivery"
)

func (e *env) listTags(t *testing.T, name string, start *string, limit *int32) *awsfirehose.ListTagsForDeliveryStreamOutput {
	t.Helper()
	out, err := e.client.ListTagsForDeliveryStream(context.Background(), &awsfirehose.ListTagsForDeliveryStreamInput{
		DeliveryStreamName: aws.String(name), ExclusiveStartTagKey: start, Limit: limit,
	})
	if err != nil {
		t.Fatalf("list tags of %s: %v", name, err)
	}
	return out
}

func tagString(tags []types.Tag) string {
	var b strings.Builder
	for _, t := range tags {
		fmt.Fprintf(&b, "%s=%s,", aws.ToString(t.Key), aws.ToString(t.Value))
	}
	return b.String()
}

// Tags given on create are kept with the delivery stream; TagDeliveryStream
// adds and replaces, UntagDeliveryStream removes (absent keys ignored),
// ListTagsForDeliveryStream lists in key order, a page at a time; none of
// it makes a new version.
func TestTags(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	if _, err := e.client.CreateDeliveryStream(ctx, &awsfirehose.CreateDeliveryStreamInput{
		DeliveryStreamName: aws.String("tagged"),
		Tags:               []types.Tag{{Key: aws.String("team"), Value: aws.String("plant-7")}, {Key: aws.String("env")}},
		ExtendedS3DestinationConfiguration: &types.ExtendedS3DestinationConfiguration{
			BucketARN: aws.String("arn:aws:s3:::lake"), RoleARN: aws.String(role),
		},
	}); err != nil {
		t.Fatal(err)
	}
	if got := tagString(e.listTags(t, "tagged", nil, nil).Tags); got != "env=,team=plant-7," {
		t.Fatalf("tags after create: %s", got)
	}
	if _, err := e.client.TagDeliveryStream(ctx, &awsfirehose.TagDeliveryStreamInput{
		DeliveryStreamName: aws.String("tagged"),
		Tags:               []types.Tag{{Key: aws.String("team"), Value: aws.String("plant-8")}, {Key: aws.String("cost:centre"), Value: aws.String("4 2/a=b+c-d@e%f_g.h")}},
	}); err != nil {
		t.Fatal(err)
	}
	if got := tagString(e.listTags(t, "tagged", nil, nil).Tags); got != "cost:centre=4 2/a=b+c-d@e%f_g.h,env=,team=plant-8," {
		t.Fatalf("tags after tag: %s", got)
	}
	if _, err := e.client.UntagDeliveryStream(ctx, &awsfirehose.UntagDeliveryStreamInput{
		DeliveryStreamName: aws.String("tagged"), TagKeys: []string{"env", "never-set"},
	}); err != nil {
		t.Fatal(err)
	}
	if got := tagString(e.listTags(t, "tagged", nil, nil).Tags); got != "cost:centre=4 2/a=b+c-d@e%f_g.h,team=plant-8," {
		t.Fatalf("tags after untag: %s", got)
	}
	d, err := e.client.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("tagged")})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(d.DeliveryStreamDescription.VersionId); v != "1" {
		t.Errorf("VersionId %s after tagging, want 1: tags are not part of the definition", v)
	}
}

// ListTagsForDeliveryStream pages by Limit and ExclusiveStartTagKey, with
// HasMoreTags while tags remain.
func TestListTagsPages(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.createS3(t, "paged")
	var tags []types.Tag
	for i := range delivery.MaxTags {
		tags = append(tags, types.Tag{Key: aws.String(fmt.Sprintf("k%02d", i)), Value: aws.String(fmt.Sprint(i))})
	}
	if _, err := e.client.TagDeliveryStream(ctx, &awsfirehose.TagDeliveryStreamInput{DeliveryStreamName: aws.String("paged"), Tags: tags}); err != nil {
		t.Fatal(err)
	}
	all := e.listTags(t, "paged", nil, nil)
	if len(all.Tags) != delivery.MaxTags || aws.ToBool(all.HasMoreTags) {
		t.Fatalf("default page: %d tags, more %v; want all %d", len(all.Tags), aws.ToBool(all.HasMoreTags), delivery.MaxTags)
	}
	var got []string
	var from *string
	for pages := 0; ; pages++ {
		if pages > delivery.MaxTags {
			t.Fatal("paging does not end")
		}
		p := e.listTags(t, "paged", from, aws.Int32(7))
		if len(p.Tags) > 7 {
			t.Fatalf("page of %d tags with Limit 7", len(p.Tags))
		}
		for _, tg := range p.Tags {
			got = append(got, aws.ToString(tg.Key))
		}
		if !aws.ToBool(p.HasMoreTags) {
			break
		}
		from = p.Tags[len(p.Tags)-1].Key
	}
	if len(got) != delivery.MaxTags || got[0] != "k00" || got[len(got)-1] != fmt.Sprintf("k%02d", delivery.MaxTags-1) {
		t.Fatalf("paged keys %v", got)
	}
	last := e.listTags(t, "paged", aws.String("k48"), aws.Int32(1))
	if len(last.Tags) != 1 || aws.ToString(last.Tags[0].Key) != "k49" || aws.ToBool(last.HasMoreTags) {
		t.Fatalf("after k48: %s more %v", tagString(last.Tags), aws.ToBool(last.HasMoreTags))
	}
}

// Tags outside Firehose's limits are refused with AWS's exception, every
// bad member named at once, and nothing changes.
func TestTagRefusals(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	e.createS3(t, "d")
	many := func(n int, prefix string) string {
		var parts []string
		for i := range n {
			parts = append(parts, fmt.Sprintf(`{"Key":"%s%d","Value":"v"}`, prefix, i))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	if typ, msg := e.call(t, "TagDeliveryStream", `{"DeliveryStreamName":"d","Tags":`+many(40, "a")+`}`); typ != "" {
		t.Fatalf("40 tags: %s %s", typ, msg)
	}
	long := strings.Repeat("k", delivery.MaxTagKeyLen+1)
	cases := []struct {
		name, op, body, typ string
		msgs                []string
	}{
		{"51 tags", "TagDeliveryStream", `{"DeliveryStreamName":"d","Tags":` + many(51, "b") + `}`, Validation,
			[]string{"at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"}},
		{"over 50 in all", "TagDeliveryStream", `{"DeliveryStreamName":"d","Tags":` + many(11, "c") + `}`, LimitExceeded,
			[]string{"would have 51 tags", "at most 50"}},
		{"no tags", "TagDeliveryStream", `{"DeliveryStreamName":"d"}`, Validation,
			[]string{"Value null at 'tags' failed to satisfy constraint: Member must not be null"}},
		{"empty tags", "TagDeliveryStream", `{"DeliveryStreamName":"d","Tags":[]}`, Validation,
			[]string{"at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1"}},
		{"several bad members", "TagDeliveryStream", `{"DeliveryStreamName":"a b","Tags":[{"Key":"` + long + `","Value":"x"},{"Key":"aws:owner","Value":"x"},{"Key":"ok","Value":"semi;colon"},{"Value":"x"}]}`, Validation,
			[]string{"5 validation errors detected",
				"Value 'a b' at 'deliveryStreamName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
				"at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128",
				"Value 'aws:owner' at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(?!aws:)",
				"Value 'semi;colon' at 'tags.3.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\p{L}\\p{Z}\\p{N}_.:\\/=+\\-@%]*$",
				"Value null at 'tags.4.member.key' failed to satisfy constraint: Member must not be null"}},
		{"value too long", "TagDeliveryStream", `{"DeliveryStreamName":"d","Tags":[{"Key":"k","Value":"` + strings.Repeat("v", delivery.MaxTagValueLen+1) + `"}]}`, Validation,
			[]string{"at 'tags.1.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"}},
		{"missing stream", "TagDeliveryStream", `{"DeliveryStreamName":"nope","Tags":[{"Key":"k"}]}`, ResourceNotFound,
			[]string{"Firehose nope under account " + account + " not found."}},
		{"untag 51 keys", "UntagDeliveryStream", `{"DeliveryStreamName":"d","TagKeys":["` + strings.Repeat(`k","`, 50) + `k"]}`, Validation,
			[]string{"at 'tagKeys' failed to satisfy constraint: Member must have length less than or equal to 50"}},
		{"untag empty key", "UntagDeliveryStream", `{"DeliveryStreamName":"d","TagKeys":[""]}`, Validation,
			[]string{"Value '' at 'tagKeys.1.member' failed to satisfy constraint: Member must have length greater than or equal to 1"}},
		{"list limit", "ListTagsForDeliveryStream", `{"DeliveryStreamName":"d","Limit":51}`, Validation,
			[]string{"Value '51' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50"}},
		{"list missing", "ListTagsForDeliveryStream", `{"DeliveryStreamName":"nope"}`, ResourceNotFound, nil},
		{"create with a bad tag", "CreateDeliveryStream", `{"DeliveryStreamName":"e","Tags":[{"Key":"aws:x"}],"ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake","RoleARN":"` + role + `"}}`, Validation,
			[]string{"Value 'aws:x' at 'tags.1.member.key'"}},
		{"create with 51 tags", "CreateDeliveryStream", `{"DeliveryStreamName":"e","Tags":` + many(51, "e") + `,"ExtendedS3DestinationConfiguration":{"BucketARN":"arn:aws:s3:::lake","RoleARN":"` + role + `"}}`, Validation,
			[]string{"at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ, msg := e.call(t, c.op, c.body)
			if typ != c.typ {
				t.Fatalf("%s: %s, want %s", typ, msg, c.typ)
			}
			for _, m := range c.msgs {
				if !strings.Contains(msg, m) {
					t.Errorf("message %q lacks %q", msg, m)
				}
			}
		})
	}
	if n := len(e.listTags(t, "d", nil, nil).Tags); n != 40 {
		t.Errorf("%d tags after refusals, want the 40 first given", n)
	}
	if _, err := e.client.DescribeDeliveryStream(ctx, &awsfirehose.DescribeDeliveryStreamInput{DeliveryStreamName: aws.String("e")}); errorCode(err) != ResourceNotFound {
		t.Errorf("a refused create made delivery stream e: %v", err)
	}
}
