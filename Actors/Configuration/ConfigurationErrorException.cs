namespace LiveTracker.Actors.Configuration;

/// <summary>
/// The settings are invalid. Carries every problem found, not only the first, so an operator fixes the
/// file in one pass; the message lists them one per line, each naming the key and where it was set.
/// </summary>
public sealed class ConfigurationErrorException : Exception
{
    public ConfigurationErrorException(IReadOnlyList<ConfigurationError> errors)
        : base(Format(errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<ConfigurationError> Errors { get; }

    private static string Format(IReadOnlyList<ConfigurationError> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("A configuration error needs at least one problem.", nameof(errors));
        }

        return errors.Count == 1
            ? errors[0].Message
            : $"{errors.Count} configuration errors:{Environment.NewLine}" + string.Join(Environment.NewLine, errors.Select(e => "  " + e.Message));
    }
}
