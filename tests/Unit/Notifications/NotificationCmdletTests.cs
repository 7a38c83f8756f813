using System.Management.Automation;
using System.Reflection;
using OnedriveOffsite.Commands;
using OnedriveOffsite.Engine.Notifications;
using OnedriveOffsite.Infrastructure;
using OnedriveOffsite.Output;
using Xunit;

namespace OnedriveOffsite.Tests.Notifications;

/// <summary>Shape of the notification cmdlets: conventions PowerShell users notice, and the import-time rule.</summary>
public sealed class NotificationCmdletTests
{
    private static readonly Type[] Cmdlets =
        { typeof(SetOffsiteNotificationCommand), typeof(GetOffsiteNotificationCommand), typeof(SendOffsiteTestNotificationCommand) };

    [Fact]
    public void Cmdlets_are_sealed_offsite_cmdlets_with_output_types_and_ShouldProcess_where_they_act()
    {
        foreach (var type in Cmdlets)
        {
            Assert.True(type.IsSealed, type.Name);
            Assert.True(typeof(OffsiteCmdlet).IsAssignableFrom(type), type.Name);
            // Attribute data, not instances: PowerShellStandard.Library is a reference assembly whose getters are stubs.
            var cmdlet = type.GetCustomAttributesData().Single(a => a.AttributeType == typeof(CmdletAttribute));
            var verb = (string)cmdlet.ConstructorArguments[0].Value!;
            Assert.Equal(type.Name, verb + cmdlet.ConstructorArguments[1].Value + "Command");
            var shouldProcess = cmdlet.NamedArguments.Any(a => a.MemberName == nameof(CmdletAttribute.SupportsShouldProcess) && (bool)a.TypedValue.Value!);
            Assert.Equal(verb != VerbsCommon.Get, shouldProcess);
            Assert.Contains(type.GetCustomAttributesData(), a => a.AttributeType == typeof(OutputTypeAttribute));
        }
    }

    [Fact]
    public void Cmdlet_and_output_classes_have_no_fields_of_engine_types()
    {
        // PowerShell loads these classes at Import-Module, before the module initializer can resolve the engine
        // into its private load context; a field of an engine type there makes the import fail.
        var engine = typeof(NotificationService).Assembly;
        foreach (var type in Cmdlets.Concat(new[] { typeof(OffsiteNotificationInfo), typeof(OffsiteNotificationResult) }))
        {
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                var fieldType = Nullable.GetUnderlyingType(field.FieldType) ?? field.FieldType;
                Assert.False(fieldType.Assembly == engine, $"{type.Name}.{field.Name} has engine type {fieldType.Name}");
            }
        }
    }

    [Theory]
    [InlineData(typeof(OffsiteNotificationProvider), typeof(NotificationProvider))]
    [InlineData(typeof(OffsiteNotificationTrigger), typeof(NotificationTrigger))]
    [InlineData(typeof(OffsiteSmtpSecurity), typeof(SmtpSecurity))]
    public void Cmdlet_enums_mirror_the_engine_enums(Type cmdletEnum, Type engineEnum)
    {
        Assert.Equal(Enum.GetNames(engineEnum), Enum.GetNames(cmdletEnum));
        Assert.Equal(Enum.GetValuesAsUnderlyingType(engineEnum).Cast<int>().ToArray(), Enum.GetValuesAsUnderlyingType(cmdletEnum).Cast<int>().ToArray());
    }

    [Fact]
    public void The_shown_settings_carry_no_secret()
    {
        var info = OffsiteNotificationInfo.Create(new NotificationSettings
        {
            Provider = NotificationProvider.Smtp, To = new[] { "a@example.com" }, From = "b@example.com", On = NotificationTrigger.Failure,
            Smtp = new SmtpSettings { Server = "mail.example.com", Security = SmtpSecurity.SslOnConnect, UserName = "bot" },
        }, hasPassword: true, "/x/notification.json");

        Assert.Equal(OffsiteNotificationProvider.Smtp, info.Provider);
        Assert.Equal(OffsiteNotificationTrigger.Failure, info.On);
        Assert.Equal(OffsiteSmtpSecurity.SslOnConnect, info.Security);
        Assert.Equal(465, info.Port);
        Assert.True(info.HasPassword);
        Assert.DoesNotContain(typeof(OffsiteNotificationInfo).GetProperties(), p =>
            p.Name.Contains("Password", StringComparison.OrdinalIgnoreCase) && p.PropertyType != typeof(bool)
            || p.Name.Contains("Secret", StringComparison.OrdinalIgnoreCase) || p.Name.Contains("Token", StringComparison.OrdinalIgnoreCase));
    }
}
