using Speedera.Web.Hosting;

namespace Speedera.Tests.Unit.Portal;

public sealed class SecretKeysTests
{
    [Fact]
    public void Hash_is_lower_case_hex_sha256_of_the_utf8_key_as_stored_before()
    {
        // Computed independently (Python hashlib); rows written by the earlier code hold exactly this.
        Assert.Equal("f181d47577b8c006deba10e371102620502fbe5d9dd9fad06f9dfe47a66f7c3b", SecretKeys.Hash("spk_AAAAexample"));
    }

    [Fact]
    public void Generated_key_is_the_prefix_and_43_base64url_characters()
    {
        var key = SecretKeys.Generate("spk_");

        Assert.StartsWith("spk_", key, StringComparison.Ordinal);
        Assert.Equal(4 + 43, key.Length);
        Assert.All(key[4..], c => Assert.True(char.IsAsciiLetterOrDigit(c) || c is '-' or '_', $"'{c}' is not base64url"));
        Assert.NotEqual(key, SecretKeys.Generate("spk_"));
    }

    [Fact]
    public void Matches_accepts_the_key_of_a_stored_hash_and_refuses_any_other()
    {
        var key = SecretKeys.Generate();
        var stored = SecretKeys.Hash(key);

        Assert.True(SecretKeys.Matches(key, stored));
        Assert.False(SecretKeys.Matches(key + "x", stored));
        Assert.False(SecretKeys.Matches(key, stored.ToUpperInvariant()));
    }
}
