using Speedera.Web.Features.Billing;

namespace Speedera.Tests.Unit.Billing;

public sealed class StripeSignatureTests
{
    private const string Secret = "whsec_test_secret";
    private const string Payload = """{"id":"evt_1","object":"event"}""";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    [Fact]
    public void A_signature_made_with_the_secret_and_a_fresh_timestamp_is_valid()
    {
        var header = StripeWebhookSignature.Header(Now.ToUnixTimeSeconds() - 10, Payload, Secret);
        Assert.Equal(SignatureCheck.Valid, StripeWebhookSignature.Verify(header, Payload, Secret, Now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Our_signature_matches_the_one_stripe_net_computes()
    {
        var header = StripeWebhookSignature.Header(Now.ToUnixTimeSeconds(), Payload, Secret);
        Assert.Equal(Stripe.EventUtility.ComputeSignature(Secret, Now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), Payload), header.Split("v1=")[1]);
    }

    [Fact]
    public void A_changed_body_another_secret_an_old_timestamp_or_no_header_is_refused()
    {
        var ts = Now.ToUnixTimeSeconds();
        var header = StripeWebhookSignature.Header(ts, Payload, Secret);
        Assert.Equal(SignatureCheck.Mismatch, StripeWebhookSignature.Verify(header, Payload.Replace("evt_1", "evt_2", StringComparison.Ordinal), Secret, Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Mismatch, StripeWebhookSignature.Verify(StripeWebhookSignature.Header(ts, Payload, "whsec_other"), Payload, Secret, Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.TooOld, StripeWebhookSignature.Verify(StripeWebhookSignature.Header(ts - 301, Payload, Secret), Payload, Secret, Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Missing, StripeWebhookSignature.Verify(null, Payload, Secret, Now, TimeSpan.FromMinutes(5)));
        Assert.Equal(SignatureCheck.Malformed, StripeWebhookSignature.Verify("t=abc,v1=zz", Payload, Secret, Now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Any_of_several_v1_signatures_may_match_during_secret_rotation()
    {
        var ts = Now.ToUnixTimeSeconds();
        var good = StripeWebhookSignature.Header(ts, Payload, Secret).Split("v1=")[1];
        var header = $"t={ts},v1={new string('0', 64)},v1={good}";
        Assert.Equal(SignatureCheck.Valid, StripeWebhookSignature.Verify(header, Payload, Secret, Now, TimeSpan.FromMinutes(5)));
    }
}
