using System.Text;
using System.Text.Json;
using MimeKit;
using OnedriveOffsite.Engine.Errors;
using OnedriveOffsite.Engine.Notifications;
using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

[Collection(AwsEnvironmentCollection.Name)]
public sealed class SesEmailSenderTests : IDisposable
{
    private const string Region = "eu-west-1";
    private const string EnvAccessKey = "AKIAENVTESTKEY000001";
    private const string EnvSecret = "envSecret/Key+Only4Tests0123456789abcdEXAMPLE";
    private const string EnvToken = "FwoGZXIvYXdzEXAMPLE//session+token/for/tests==";
    private const string ProfileAccessKey = "AKIAPROFILETESTKEY02";
    private const string ProfileSecret = "profileSecretKey/Only+For/Tests9876543210EXAMPLE";

    private static readonly NotificationMessage Message = new("Successful Offsite Backup - nightly", "Plain text body\nline 2\n", "<html><body><p>HTML body</p></body></html>");

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static NotificationSettings Settings(Uri endpoint, string? profile = null) => new()
    {
        Provider = NotificationProvider.Ses,
        To = new[] { "admin@example.com", "Ops Team <ops@example.com>" },
        From = "backup@example.com",
        FromName = "Offsite Backup",
        Ses = new SesSettings { Region = Region, Profile = profile, Endpoint = endpoint },
    };

    [Fact]
    public async Task Environment_credentials_sign_a_SendEmail_request_that_an_independent_SigV4_check_accepts()
    {
        using var env = new EnvironmentScope(null, ("AWS_ACCESS_KEY_ID", EnvAccessKey), ("AWS_SECRET_ACCESS_KEY", EnvSecret), ("AWS_SESSION_TOKEN", EnvToken));
        await using var server = new LoopbackHttpServer(200, "{\"MessageId\":\"0100018c-test-message-id\"}");

        var id = await new SesEmailSender(Settings(server.BaseUri)).SendAsync(Message, CancellationToken.None);

        Assert.Equal("0100018c-test-message-id", id);
        var request = Assert.Single(server.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/v2/email/outbound-emails", request.Target);
        Assert.Equal("application/json", request.Headers["content-type"]);
        var auth = AssertSignedBy(request, EnvAccessKey, EnvSecret);
        Assert.Contains("x-amz-security-token", auth.SignedHeaders);
        Assert.Equal(EnvToken, request.Headers["x-amz-security-token"]);
        AssertBody(request.Body);
        var raw = Encoding.UTF8.GetString(request.Body);
        Assert.DoesNotContain(EnvSecret, raw);
        Assert.DoesNotContain(EnvToken, raw);
    }

    [Fact]
    public async Task A_named_profile_from_the_shared_credentials_file_signs_the_request()
    {
        using var env = new EnvironmentScope(CredentialsFile);
        await using var server = new LoopbackHttpServer(200, "{\"MessageId\":\"profile-id\"}");

        var id = await new SesEmailSender(Settings(server.BaseUri, profile: "offsite-mail")).SendAsync(Message, CancellationToken.None);

        Assert.Equal("profile-id", id);
        var request = Assert.Single(server.Requests);
        var auth = AssertSignedBy(request, ProfileAccessKey, ProfileSecret);
        Assert.DoesNotContain("x-amz-security-token", auth.SignedHeaders);
        AssertBody(request.Body);
    }

    [Fact]
    public async Task The_default_chain_reads_the_default_profile_of_the_shared_credentials_file()
    {
        using var env = new EnvironmentScope(CredentialsFile);
        await using var server = new LoopbackHttpServer(200, "{\"MessageId\":\"default-id\"}");

        await new SesEmailSender(Settings(server.BaseUri)).SendAsync(Message, CancellationToken.None);

        AssertSignedBy(Assert.Single(server.Requests), "AKIADEFAULTPROFILE03", "defaultProfileSecret/For+Tests/0123456789EXAMPLE");
    }

    [Fact]
    public async Task An_SES_error_becomes_NotificationFailed_with_the_SES_message_and_no_secret()
    {
        using var env = new EnvironmentScope(null, ("AWS_ACCESS_KEY_ID", EnvAccessKey), ("AWS_SECRET_ACCESS_KEY", EnvSecret), ("AWS_SESSION_TOKEN", EnvToken));
        // A hostile or buggy endpoint echoing the secret: the error we raise must still not carry it.
        var body = JsonSerializer.Serialize(new { message = $"Email address is not verified. The following identities failed the check in region EU-WEST-1: backup@example.com ({EnvSecret} {EnvToken})" });
        await using var server = new LoopbackHttpServer(400, body, ("x-amzn-ErrorType", "MessageRejected:http://internal.amazon.com/coral/com.amazonaws.sesv2/"));

        var ex = await Assert.ThrowsAsync<OffsiteException>(() => new SesEmailSender(Settings(server.BaseUri)).SendAsync(Message, CancellationToken.None));

        Assert.Equal(NotificationErrors.NotificationFailed, ex.ErrorId);
        Assert.Equal(OffsiteErrorCategory.InvalidOperation, ex.Category);
        Assert.Contains("MessageRejected", ex.Message);
        Assert.Contains("Email address is not verified", ex.Message);
        Assert.DoesNotContain(EnvSecret, ex.Message);
        Assert.DoesNotContain(EnvToken, ex.Message);
        Assert.Contains(SecretMasker.Placeholder, ex.Message);
    }

    [Fact]
    public async Task Through_the_service_an_SES_refusal_is_a_warning_with_the_reason_and_no_secret()
    {
        using var env = new EnvironmentScope(null, ("AWS_ACCESS_KEY_ID", EnvAccessKey), ("AWS_SECRET_ACCESS_KEY", EnvSecret), ("AWS_SESSION_TOKEN", EnvToken));
        await using var server = new LoopbackHttpServer(403, "{\"message\":\"The security token included in the request is invalid: " + EnvToken + "\"}",
            ("x-amzn-ErrorType", "UnrecognizedClientException"));
        var home = new OnedriveOffsite.Engine.Config.ConfigHome(_temp.Combine("home"));
        new NotificationStore(home).Save(Settings(server.BaseUri), smtpPassword: null);
        var observer = new RecordingObserver();
        var report = new OperationReport { Kind = OperationKind.Restore, Succeeded = true, SetName = "nightly" };

        var result = await new NotificationService(home).TrySendAsync(report, observer, CancellationToken.None);

        Assert.Equal(NotificationOutcome.Failed, result.Outcome);
        Assert.Equal("Successful Offsite Restore - nightly", result.Subject);
        var warning = Assert.Single(observer.Warnings);
        Assert.Contains("UnrecognizedClientException", warning);
        Assert.Contains("HTTP 403", warning);
        Assert.DoesNotContain(EnvToken, observer.AllText);
        Assert.DoesNotContain(EnvSecret, observer.AllText);
        Assert.Equal("Successful Offsite Restore - nightly",
            JsonDocument.Parse(Assert.Single(server.Requests).Body).RootElement.GetProperty("Content").GetProperty("Simple").GetProperty("Subject").GetProperty("Data").GetString());
    }

    [Fact]
    public async Task A_missing_profile_is_NotificationCredentialsNotFound()
    {
        using var env = new EnvironmentScope(CredentialsFile);

        var ex = await Assert.ThrowsAsync<OffsiteException>(() =>
            new SesEmailSender(Settings(new Uri("http://127.0.0.1:9"), profile: "no-such-profile")).SendAsync(Message, CancellationToken.None));

        Assert.Equal(NotificationErrors.NotificationCredentialsNotFound, ex.ErrorId);
        Assert.Contains("no-such-profile", ex.Message);
    }

    [Fact]
    public async Task No_credentials_anywhere_is_NotificationCredentialsNotFound()
    {
        using var env = new EnvironmentScope(null);

        var ex = await Assert.ThrowsAsync<OffsiteException>(() =>
            new SesEmailSender(Settings(new Uri("http://127.0.0.1:9"))).SendAsync(Message, CancellationToken.None));

        Assert.Equal(NotificationErrors.NotificationCredentialsNotFound, ex.ErrorId);
    }

    private const string CredentialsFile =
            "[default]\naws_access_key_id = AKIADEFAULTPROFILE03\naws_secret_access_key = defaultProfileSecret/For+Tests/0123456789EXAMPLE\n\n"
            + "[offsite-mail]\naws_access_key_id = " + ProfileAccessKey + "\naws_secret_access_key = " + ProfileSecret + "\n";

    private static SigV4Verifier.Parsed AssertSignedBy(ReceivedHttpRequest request, string accessKey, string secret)
    {
        var auth = SigV4Verifier.Parse(request.Headers["authorization"]);
        Assert.Equal(accessKey, auth.AccessKey);
        Assert.Equal(Region, auth.Region);
        Assert.Equal("ses", auth.Service);
        var amzDate = request.Headers["x-amz-date"];
        Assert.Equal(amzDate[..8], auth.Date);
        Assert.Equal($"{amzDate[..8]}/{Region}/ses/aws4_request", auth.Scope);
        var signedAt = DateTime.ParseExact(amzDate, "yyyyMMdd'T'HHmmss'Z'", null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
        Assert.InRange(signedAt, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));
        Assert.Contains("host", auth.SignedHeaders);
        Assert.Contains("x-amz-date", auth.SignedHeaders);
        if (request.Headers.TryGetValue("x-amz-content-sha256", out var declared))
            Assert.Equal(SigV4Verifier.Hex(System.Security.Cryptography.SHA256.HashData(request.Body)), declared);
        Assert.Equal(SigV4Verifier.ExpectedSignature(request, auth, secret), auth.Signature);
        // The check is meaningful: a different secret gives a different signature.
        Assert.NotEqual(SigV4Verifier.ExpectedSignature(request, auth, secret + "x"), auth.Signature);
        return auth;
    }

    private static void AssertBody(byte[] body)
    {
        using var doc = JsonDocument.Parse(body);
        var root = doc.RootElement;
        var from = MailboxAddress.Parse(root.GetProperty("FromEmailAddress").GetString()!);
        Assert.Equal("backup@example.com", from.Address);
        Assert.Equal("Offsite Backup", from.Name);
        var to = root.GetProperty("Destination").GetProperty("ToAddresses").EnumerateArray().Select(e => MailboxAddress.Parse(e.GetString()!).Address).ToArray();
        Assert.Equal(new[] { "admin@example.com", "ops@example.com" }, to);
        var simple = root.GetProperty("Content").GetProperty("Simple");
        Assert.Equal(Message.Subject, simple.GetProperty("Subject").GetProperty("Data").GetString());
        Assert.Equal(Message.TextBody, simple.GetProperty("Body").GetProperty("Text").GetProperty("Data").GetString());
        Assert.Equal(Message.HtmlBody, simple.GetProperty("Body").GetProperty("Html").GetProperty("Data").GetString());
    }
}
