using System.Globalization;
using System.Net;
using System.Text;

namespace OnedriveOffsite.Engine.Notifications;

/// <summary>
/// Turns an <see cref="OperationReport"/> into the mail. Subjects follow the old Python service, which admins
/// filter on: "Successful Offsite Backup - &lt;name&gt;" and "Error - &lt;name&gt;" for backups; its restore
/// (download/decrypt) mails said "Successful Download - …" / "Download Error - …", so restores here use
/// "Successful Offsite Restore - &lt;name&gt;" and "Restore Error - &lt;name&gt;" in the same pattern.
/// </summary>
public static class NotificationComposer
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static string Subject(OperationReport report) => (report.Kind, report.Succeeded) switch
    {
        (OperationKind.Backup, true) => "Successful Offsite Backup - " + report.SetName,
        (OperationKind.Backup, false) => "Error - " + report.SetName,
        (OperationKind.Restore, true) => "Successful Offsite Restore - " + report.SetName,
        (OperationKind.Restore, false) => "Restore Error - " + report.SetName,
        // A failed check of a stored snapshot means tonight's offsite copy cannot be trusted: same subject as a failed backup.
        (OperationKind.Verification, true) => "Successful Offsite Verification - " + report.SetName,
        _ => "Error - " + report.SetName,
    };

    public static NotificationMessage Compose(OperationReport report)
    {
        var verb = report.Kind switch { OperationKind.Backup => "backup", OperationKind.Restore => "restore", _ => "verification" };
        var headline = report.Succeeded
            ? $"OnedriveOffsite {verb} of '{report.SetName}' completed successfully on {report.Host}."
            : $"OnedriveOffsite {verb} of '{report.SetName}' FAILED on {report.Host}.";

        var facts = Facts(report).ToList();
        var text = new StringBuilder().AppendLine(headline).AppendLine();
        foreach (var (label, value) in facts) text.Append(label).Append(": ").AppendLine(value);

        var html = new StringBuilder()
            .Append("<html><body style=\"font-family:sans-serif\"><p>").Append(Encode(headline)).Append("</p>")
            .Append("<table cellpadding=\"3\">");
        foreach (var (label, value) in facts)
            html.Append("<tr><th align=\"left\">").Append(Encode(label)).Append("</th><td>").Append(Encode(value)).Append("</td></tr>");
        html.Append("</table>");

        if (report.VerboseTail.Count > 0)
        {
            text.AppendLine().AppendLine("--------------------------- RECENT LOG ---------------------------");
            foreach (var line in report.VerboseTail) text.AppendLine(line);
            html.Append("<h4>Recent log</h4><pre>");
            foreach (var line in report.VerboseTail) html.Append(Encode(line)).Append('\n');
            html.Append("</pre>");
        }
        html.Append("</body></html>");
        return new NotificationMessage(Subject(report), text.ToString(), html.ToString());
    }

    /// <summary>The mail <c>Send-OffsiteTestNotification</c> sends: proves delivery, carries no run data.</summary>
    public static NotificationMessage ComposeTest(string host, DateTimeOffset at)
    {
        var line = $"This is a test notification from OnedriveOffsite on {host}, sent {at.ToString("u", Invariant)}. "
            + "If you can read it, backup and restore notifications will reach you.";
        return new NotificationMessage("Test Notification - OnedriveOffsite on " + host, line + "\n",
            "<html><body style=\"font-family:sans-serif\"><p>" + Encode(line) + "</p></body></html>");
    }

    private static IEnumerable<(string Label, string Value)> Facts(OperationReport r)
    {
        yield return ("Result", r.Succeeded ? "Succeeded" : "Failed");
        yield return ("Backup set", r.SetName);
        if (r.SnapshotId is { Length: > 0 }) yield return ("Snapshot", r.SnapshotId);
        if (r.SourcePath is { Length: > 0 }) yield return (r.Kind switch { OperationKind.Backup => "Source file",
            OperationKind.Restore => "Restored file", _ => "Checked" }, r.SourcePath);
        if (r.SourceSize is { } size) yield return ("File size", FormatSize(size));
        if (r.StoredSize is { } stored) yield return ("Stored size", FormatSize(stored));
        if (r.PartCount is { } parts) yield return ("Parts", parts.ToString(Invariant));
        if (r.Duration is { } d) yield return ("Duration", FormatDuration(d));
        if (r.BytesPerSecond is { } rate and > 0) yield return ("Throughput", FormatSize((long)rate, exact: false) + "/s");
        if (r.Verification is { Length: > 0 }) yield return ("Verification", r.Verification);
        if (!r.Succeeded)
        {
            if (r.ErrorId is { Length: > 0 }) yield return ("Error id", r.ErrorId);
            if (r.ErrorMessage is { Length: > 0 }) yield return ("Error", r.ErrorMessage);
        }
        yield return ("Host", r.Host);
        yield return ("Finished", r.FinishedAt.ToString("yyyy-MM-dd HH:mm:ss zzz", Invariant));
    }

    internal static string FormatSize(long bytes, bool exact = true)
    {
        string[] units = { "B", "KiB", "MiB", "GiB", "TiB" };
        double value = bytes;
        var unit = 0;
        while (Math.Abs(value) >= 1024 && unit < units.Length - 1) { value /= 1024; unit++; }
        var scaled = unit == 0 ? $"{bytes} B" : value.ToString(value >= 100 ? "0" : "0.0", Invariant) + " " + units[unit];
        return unit == 0 || !exact ? scaled : $"{scaled} ({bytes.ToString("N0", Invariant)} bytes)";
    }

    private static string FormatDuration(TimeSpan d) =>
        d.TotalHours >= 1 ? $"{(long)d.TotalHours}:{d.Minutes:00}:{d.Seconds:00} h"
        : d.TotalMinutes >= 1 ? d.ToString(@"m\:ss", Invariant) + " min"
        : d.TotalSeconds.ToString("0.0", Invariant) + " s";

    private static string Encode(string s) => WebUtility.HtmlEncode(s);
}
