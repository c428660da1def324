using Speedera.Core.Configuration;

namespace Speedera.Tests.Unit.Configuration;

public class SignatureTests
{
    [Fact]
    public void Signed_document_verifies_with_the_matching_public_key()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedConfiguration.Sign(SampleConfiguration.Create(), key);
        using var publicKey = PublicOnly(key);

        Assert.True(envelope.TryVerify(publicKey, out var config, out var error, out var detail), detail);
        Assert.Equal(SignatureVerificationError.None, error);
        Assert.Equal(7, config!.Version);
        Assert.Equal(NetworkConfigurationSerializer.ComputeHash(envelope.Document), envelope.Hash);
    }

    [Fact]
    public void Envelope_survives_its_own_json_round_trip()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedConfiguration.Sign(SampleConfiguration.Create(), key);
        Assert.True(SignedConfiguration.TryParse(envelope.ToJsonBytes(), out var back, out var parseError), parseError);
        Assert.True(back!.TryVerify(key, out _, out _, out var detail), detail);
        Assert.Equal(envelope.ETag, back.ETag);
    }

    [Fact]
    public void One_changed_byte_in_the_document_is_refused_as_a_hash_mismatch()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedConfiguration.Sign(SampleConfiguration.Create(), key);
        var tampered = (byte[])envelope.Document.Clone();
        var index = Array.IndexOf(tampered, (byte)'7');
        tampered[index] = (byte)'8';

        Assert.False((envelope with { Document = tampered }).TryVerify(key, out var config, out var error, out var detail));
        Assert.Null(config);
        Assert.Equal(SignatureVerificationError.HashMismatch, error);
        Assert.Contains("hashes to", detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Changed_byte_with_a_recomputed_hash_is_refused_by_the_signature()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedConfiguration.Sign(SampleConfiguration.Create(), key);
        var tampered = (byte[])envelope.Document.Clone();
        tampered[tampered.Length / 2] ^= 0x01;
        var forged = envelope with { Document = tampered, Hash = NetworkConfigurationSerializer.ComputeHash(tampered) };

        Assert.False(forged.TryVerify(key, out _, out var error, out _));
        Assert.Equal(SignatureVerificationError.SignatureInvalid, error);
    }

    [Fact]
    public void Document_signed_by_another_key_is_refused_as_unknown_key()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        using var other = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedConfiguration.Sign(SampleConfiguration.Create(), other);

        Assert.False(envelope.TryVerify(key, out _, out var error, out _));
        Assert.Equal(SignatureVerificationError.UnknownKey, error);
    }

    [Fact]
    public void Other_key_claiming_the_trusted_key_id_fails_the_signature()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        using var other = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedConfiguration.Sign(SampleConfiguration.Create(), other) with { KeyId = ConfigurationKeys.ComputeKeyId(key) };

        Assert.False(envelope.TryVerify(key, out _, out var error, out _));
        Assert.Equal(SignatureVerificationError.SignatureInvalid, error);
    }

    [Fact]
    public void Envelope_version_that_differs_from_the_document_is_refused()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedConfiguration.Sign(SampleConfiguration.Create(version: 7), key) with { Version = 8 };

        Assert.False(envelope.TryVerify(key, out _, out var error, out _));
        Assert.Equal(SignatureVerificationError.VersionMismatch, error);
    }

    [Fact]
    public void Envelope_without_a_document_is_malformed()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        var envelope = SignedConfiguration.Sign(SampleConfiguration.Create(), key) with { Document = [] };

        Assert.False(envelope.TryVerify(key, out _, out var error, out _));
        Assert.Equal(SignatureVerificationError.Malformed, error);
    }

    [Fact]
    public void Public_key_imports_from_pem_and_from_base64()
    {
        using var key = ConfigurationKeys.CreateSigningKey();
        Assert.True(ConfigurationKeys.TryImportPublicKey(ConfigurationKeys.ExportPublicKeyPem(key), out var fromPem, out var e1), e1);
        Assert.True(ConfigurationKeys.TryImportPublicKey(ConfigurationKeys.ExportPublicKeyBase64(key), out var fromB64, out var e2), e2);
        Assert.Equal(ConfigurationKeys.ComputeKeyId(key), ConfigurationKeys.ComputeKeyId(fromPem!));
        Assert.Equal(ConfigurationKeys.ComputeKeyId(key), ConfigurationKeys.ComputeKeyId(fromB64!));
        fromPem!.Dispose();
        fromB64!.Dispose();
    }

    [Fact]
    public void Garbage_public_key_is_refused_with_a_reason()
    {
        Assert.False(ConfigurationKeys.TryImportPublicKey("not a key", out var key, out var error));
        Assert.Null(key);
        Assert.Contains("neither PEM nor base64", error, StringComparison.Ordinal);
    }

    private static System.Security.Cryptography.ECDsa PublicOnly(System.Security.Cryptography.ECDsa key)
    {
        Assert.True(ConfigurationKeys.TryImportPublicKey(ConfigurationKeys.ExportPublicKeyBase64(key), out var publicKey, out _));
        return publicKey!;
    }
}
