using System.Text.Json;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// The JSON body of SES v2 SendEmail (<c>POST /v2/email/outbound-emails</c>), written by hand because the
/// AWSSDK.SimpleEmailV2 package that would model it is not available to us; only the "Simple" content shape.
/// </summary>
internal static class SesSendEmailRequest
{
    public const string Path = "/v2/email/outbound-emails";

    public static byte[] Build(NotificationSettings settings, NotificationMessage message)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            // encode: true gives an RFC 2047 display name, which SES requires for non-ASCII names.
            w.WriteString("FromEmailAddress", MailAddresses.Sender(settings).ToString(true));
            w.WriteStartObject("Destination");
            w.WriteStartArray("ToAddresses");
            foreach (var to in MailAddresses.Recipients(settings)) w.WriteStringValue(to.ToString(true));
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteStartObject("Content");
            w.WriteStartObject("Simple");
            WriteContent(w, "Subject", message.Subject);
            w.WriteStartObject("Body");
            WriteContent(w, "Text", message.TextBody);
            WriteContent(w, "Html", message.HtmlBody);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteContent(Utf8JsonWriter w, string name, string data)
    {
        w.WriteStartObject(name);
        w.WriteString("Data", data);
        w.WriteString("Charset", "UTF-8");
        w.WriteEndObject();
    }
}
