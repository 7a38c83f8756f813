using System.Management.Automation;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;

namespace OnedriveOffsite.Commands;

/// <summary>
/// <para type="synopsis">Sends a test mail with the stored notification settings.</para>
/// <para type="description">Proves that the provider, credentials and recipients work before the nightly job
/// depends on them. Unlike the mails of Start-OffsiteBackup, a failure here is an error (NotificationFailed,
/// NotificationCredentialsNotFound, NotificationNotConfigured) with the reason.</para>
/// </summary>
[Cmdlet(VerbsCommunications.Send, "OffsiteTestNotification", SupportsShouldProcess = true)]
[OutputType(typeof(OffsiteNotificationResult))]
public sealed class SendOffsiteTestNotificationCommand : OffsiteCmdlet
{
    protected override void ProcessRecord()
    {
        var service = new NotificationService(Home);
        if (!ShouldProcess(Home.NotificationFile, "Send a test notification mail")) return;
        try
        {
            var result = RunEngine((observer, ct) => service.SendTestAsync(observer, ct));
            WriteObject(OffsiteNotificationResult.Create(result));
        }
        catch (Exception ex) when (ex is not PipelineStoppedException)
        {
            ThrowOffsiteError(ex);
        }
    }
}
