namespace LiveTracker.Actors.Hocon;

/// <summary>
/// A set of named fields. Field order is the order keys first appeared, which keeps flattened
/// configuration and error listings in the order the operator wrote them.
/// </summary>
public sealed class HoconObject : HoconValue
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, HoconValue> _fields = new(StringComparer.Ordinal);

    internal HoconObject(HoconSource source)
        : base(source)
    {
    }

    /// <summary>Field names in order of first appearance.</summary>
    public IReadOnlyList<string> Keys => _order;

    public HoconValue this[string key] => _fields[key];

    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out HoconValue? value) =>
        _fields.TryGetValue(key, out value);

    /// <summary>
    /// Follows a dotted path (<c>livetracker.http.port</c>). Segments are split on every dot, so keys
    /// that themselves contain dots are reachable only through <see cref="TryGetValue"/>.
    /// </summary>
    public HoconValue? GetPath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        HoconValue current = this;
        foreach (var segment in path.Split('.'))
        {
            if (current is not HoconObject obj || !obj.TryGetValue(segment, out var next))
            {
                return null;
            }

            current = next;
        }

        return current;
    }

    internal void Set(string key, HoconValue value)
    {
        if (!_fields.ContainsKey(key))
        {
            _order.Add(key);
        }

        _fields[key] = value;
    }

    internal void Remove(string key)
    {
        if (_fields.Remove(key))
        {
            _order.Remove(key);
        }
    }
}
