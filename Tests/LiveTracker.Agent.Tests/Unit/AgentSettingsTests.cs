using LiveTracker.Agent.Local;
using Xunit;

namespace LiveTracker.Agent.Tests.Unit;

/// <summary>
/// settings.json: what a freelancer gets without one, how a bad value is refused (named by key, and by line when it is
/// in the file), and that the file and the sign-in beside it are readable by their owner only.
/// </summary>
public sealed class AgentSettingsTests : IDisposable
{
    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly TempFolder folder = new();

    [Fact]
    public void Without_a_settings_file_the_defaults_apply()
    {
        var settings = AgentSettings.Load(folder.Paths);

        Assert.Equal(new AgentSettings(), settings);
        Assert.Null(settings.ContractId);
        Assert.Equal("whole-desktop", settings.CaptureArea);
        Assert.Equal(40, settings.JpegQuality);
        Assert.Equal(1280, settings.MaxWidth);
        Assert.False(settings.Blur);
        Assert.True(settings.NoticeBeforeUpload);
        Assert.Equal(60, settings.NoticeSeconds);
        Assert.Equal(60, settings.MemoReminderMinutes);
        Assert.False(settings.Camera);
        Assert.InRange(settings.DeviceId.Length, 1, 60);
        Assert.False(File.Exists(folder.Paths.Settings), "reading the settings writes nothing");
    }

    [Fact]
    public void Every_key_is_shown_with_its_value()
    {
        var settings = new AgentSettings();
        Assert.All(AgentSettings.Keys.Keys, key => Assert.NotNull(settings.ValueOf(key)));
        Assert.Equal("40", settings.ValueOf("jpegQuality"));
        Assert.Equal("true", settings.ValueOf("noticeBeforeUpload"));
        Assert.Equal("", settings.ValueOf("contractId"));
    }

    [Theory]
    [InlineData("jpegQuality", "96")]
    [InlineData("jpegQuality", "9")]
    [InlineData("jpegQuality", "sixty")]
    [InlineData("maxWidth", "639")]
    [InlineData("maxWidth", "7681")]
    [InlineData("noticeSeconds", "9")]
    [InlineData("noticeSeconds", "601")]
    [InlineData("memoReminderMinutes", "-1")]
    [InlineData("memoReminderMinutes", "481")]
    [InlineData("captureArea", "left-monitor")]
    [InlineData("blur", "maybe")]
    [InlineData("noticeBeforeUpload", "1")]
    [InlineData("deviceId", "   ")]
    public void An_out_of_range_value_is_refused_naming_its_key(string key, string value)
    {
        var refused = Assert.Throws<SettingsException>(() => new AgentSettings().With(key, value));
        Assert.Contains(key, refused.Message, StringComparison.Ordinal);
        Assert.Contains(value.Trim(), refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_at_the_ends_of_their_ranges_are_taken()
    {
        var settings = new AgentSettings()
            .With("jpegQuality", "10").With("maxWidth", "0").With("noticeSeconds", "600").With("memoReminderMinutes", "0")
            .With("captureArea", "active-monitor").With("blur", "yes").With("noticeBeforeUpload", "off").With("deviceId", "  laptop  ");

        Assert.Equal(10, settings.JpegQuality);
        Assert.Equal(0, settings.MaxWidth);
        Assert.Equal(600, settings.NoticeSeconds);
        Assert.Equal(0, settings.MemoReminderMinutes);
        Assert.Equal("active-monitor", settings.CaptureArea);
        Assert.True(settings.Blur);
        Assert.False(settings.NoticeBeforeUpload);
        Assert.Equal("laptop", settings.DeviceId);
    }

    [Fact]
    public void An_unknown_key_is_refused_with_its_name_and_the_known_ones()
    {
        var refused = Assert.Throws<SettingsException>(() => new AgentSettings().With("jpegQualty", "70"));
        Assert.Contains("'jpegQualty'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("jpegQuality", refused.Message.Replace("'jpegQualty'", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public void Webcam_snapshots_cannot_be_turned_on()
    {
        var refused = Assert.Throws<SettingsException>(() => new AgentSettings().With("camera", "true"));
        Assert.Contains("camera", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", refused.Message, StringComparison.Ordinal);
        Assert.False(new AgentSettings().With("camera", "false").Camera);
    }

    [Fact]
    public void A_bad_value_in_the_file_names_the_file_and_the_line_of_its_key()
    {
        var paths = folder.Paths;
        paths.Ensure();
        File.WriteAllText(paths.Settings, """
            {
              "captureArea": "whole-desktop",
              "blur": true,

              "jpegQuality": 500,
              "noticeSeconds": 60
            }
            """);

        var refused = Assert.Throws<SettingsException>(() => AgentSettings.Load(paths));

        Assert.Contains(paths.Settings, refused.Message, StringComparison.Ordinal);
        Assert.Contains("line 5", refused.Message, StringComparison.Ordinal);
        Assert.Contains("jpegQuality", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_misspelt_key_in_the_file_is_refused_with_its_line_instead_of_being_ignored()
    {
        var paths = folder.Paths;
        paths.Ensure();
        File.WriteAllText(paths.Settings, "{\n  \"blur\": false,\n  \"blurr\": true\n}\n");

        var refused = Assert.Throws<SettingsException>(() => AgentSettings.Load(paths));

        Assert.Contains("line 3", refused.Message, StringComparison.Ordinal);
        Assert.Contains("'blurr'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_JSON_names_the_line_where_it_breaks()
    {
        var paths = folder.Paths;
        paths.Ensure();
        File.WriteAllText(paths.Settings, "{\n  \"blur\": true,\n  \"jpegQuality\": 70,,\n}\n");

        var refused = Assert.Throws<SettingsException>(() => AgentSettings.Load(paths));

        Assert.Contains(paths.Settings, refused.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Camera_true_in_the_file_is_refused_as_not_supported()
    {
        var paths = folder.Paths;
        paths.Ensure();
        File.WriteAllText(paths.Settings, "{\n  \"camera\": true\n}\n");

        var refused = Assert.Throws<SettingsException>(() => AgentSettings.Load(paths));

        Assert.Contains("line 2", refused.Message, StringComparison.Ordinal);
        Assert.Contains("not supported", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Saved_settings_read_back_the_same()
    {
        var paths = folder.Paths;
        var chosen = new AgentSettings()
            .With("deviceId", "work-laptop").With("contractId", "c-123").With("captureArea", "active-monitor").With("jpegQuality", "85")
            .With("maxWidth", "1920").With("blur", "true").With("noticeBeforeUpload", "false").With("noticeSeconds", "300")
            .With("memoReminderMinutes", "0");

        chosen.Save(paths);

        Assert.Equal(chosen, AgentSettings.Load(paths));
        // Saving again (the control page changes one setting at a time) replaces the file.
        chosen.With("contractId", "").Save(paths);
        Assert.Null(AgentSettings.Load(paths).ContractId);
        Assert.False(File.Exists(paths.Settings + ".tmp"));
    }

    [Fact]
    public void Settings_and_sign_in_are_written_for_the_owner_only()
    {
        var paths = folder.Paths;

        new AgentSettings().With("blur", "true").Save(paths);
        new Credentials(new Uri("https://tracker.example.test"), "secret-token", "u-1", "me@example.test").Save(paths);

        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(paths.Settings));
        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(paths.Credentials));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(paths.ConfigDirectory));
        Assert.Equal("secret-token", Credentials.Load(paths)!.Token);
    }

    [Fact]
    public void A_settings_file_that_was_readable_by_others_becomes_owner_only_when_saved()
    {
        var paths = folder.Paths;
        paths.Ensure();
        File.WriteAllText(paths.Settings, "{}");
        File.SetUnixFileMode(paths.Settings, OwnerReadWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        AgentSettings.Load(paths).With("jpegQuality", "70").Save(paths);

        Assert.Equal(OwnerReadWrite, File.GetUnixFileMode(paths.Settings));
        Assert.Equal(70, AgentSettings.Load(paths).JpegQuality);
    }

    public void Dispose() => folder.Dispose();
}
