using System.Text;
using CsCheck;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using SessionPolicy.Mapping;
using SessionPolicy.Server.Grpc;
using SessionPolicy.V1;

namespace SessionPolicy.Server.Tests.Unit;

/// <summary>
/// The JSON body check against generated messages of every request type the contract transcodes: whatever the proto JSON
/// mapping writes for a message passes (no request a client can send is refused), and an enum name the contract lacks
/// put into a message is refused naming that field.
/// </summary>
public sealed class JsonBodyCheckProperties
{
    private static readonly MessageDescriptor[] Inputs =
    [
        DecideRequest.Descriptor, DecideBatchRequest.Descriptor, IssueSessionRequest.Descriptor, ForceLogoutRequest.Descriptor,
        RegisterSessionRequest.Descriptor, RecordActivityRequest.Descriptor, ListSessionsRequest.Descriptor, ReportSignalRequest.Descriptor,
        RegisterReceiverRequest.Descriptor, ListRevocationsRequest.Descriptor,
    ];

    private static readonly Gen<(MessageDescriptor Type, IMessage Message)> AnyRequest =
        Gen.Select(Gen.Int[0, Inputs.Length - 1], Gen.Int).Select((type, seed) => (Inputs[type], Fill(Inputs[type], new Random(seed), 0)));

    [Fact]
    public void WhatTheJsonMappingWrites_Passes() => AnyRequest.Sample(request =>
    {
        var errors = new FieldViolations();
        JsonBodyCheck.Check(Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(request.Message)), request.Type, errors);
        Assert.False(errors.Any, errors.Any ? errors.Describe() + " in " + JsonFormatter.Default.Format(request.Message) : "");
    });

    [Fact]
    public void AnEnumNameTheContractLacks_IsRefused_NamingItsField() => Gen.Int.Sample(seed =>
    {
        var message = (DecideRequest)Fill(DecideRequest.Descriptor, new Random(seed), 0);
        var json = JsonFormatter.Default.Format(message).Replace("PRINCIPAL_TYPE_", "PRINCIPAL_KIND_", StringComparison.Ordinal);
        if (!json.Contains("PRINCIPAL_KIND_", StringComparison.Ordinal)) return;
        var errors = new FieldViolations();
        JsonBodyCheck.Check(Encoding.UTF8.GetBytes(json), DecideRequest.Descriptor, errors);
        Assert.Contains(errors.Violations, v => v.Field == "principal.type");
    });

    /// <summary>A message with a random subset of its fields set to random values, nested at most three levels.</summary>
    private static IMessage Fill(MessageDescriptor type, Random random, int depth)
    {
        var message = type.Parser.ParseFrom(ByteString.Empty);
        foreach (var field in type.Fields.InDeclarationOrder())
        {
            if (random.Next(3) == 0) continue;
            if (field.IsMap)
            {
                var map = (System.Collections.IDictionary)field.Accessor.GetValue(message);
                for (var i = random.Next(3); i > 0; i--)
                {
                    var key = Value(field.MessageType.FindFieldByNumber(1), random, depth);
                    var value = Value(field.MessageType.FindFieldByNumber(2), random, depth);
                    if (key is not null && value is not null) map[key] = value;
                }
            }
            else if (field.IsRepeated)
            {
                var list = (System.Collections.IList)field.Accessor.GetValue(message);
                for (var i = random.Next(3); i > 0; i--) if (Value(field, random, depth) is { } item) list.Add(item);
            }
            else if (Value(field, random, depth) is { } value)
            {
                field.Accessor.SetValue(message, value);
            }
        }
        return message;
    }

    private static object? Value(FieldDescriptor field, Random random, int depth) => field.FieldType switch
    {
        FieldType.Message when field.MessageType.FullName == Timestamp.Descriptor.FullName => Timestamp.FromDateTimeOffset(DateTimeOffset.UnixEpoch.AddSeconds(random.Next())),
        FieldType.Message when field.MessageType.FullName == Duration.Descriptor.FullName => Duration.FromTimeSpan(TimeSpan.FromMilliseconds(random.Next())),
        FieldType.Message when field.MessageType.FullName.StartsWith("google.protobuf.", StringComparison.Ordinal) => null,
        FieldType.Message => depth >= 3 ? null : Fill(field.MessageType, random, depth + 1),
        FieldType.Enum => field.EnumType.Values[random.Next(field.EnumType.Values.Count)].Number,
        FieldType.String => new string((char)random.Next('a', 'z' + 1), random.Next(0, 12)) + (random.Next(4) == 0 ? "\"\\\u00e9\u4e2d" : ""),
        FieldType.Bool => random.Next(2) == 0,
        FieldType.Bytes => ByteString.CopyFrom([.. Enumerable.Range(0, random.Next(8)).Select(_ => (byte)random.Next(256))]),
        FieldType.Int32 or FieldType.SInt32 or FieldType.SFixed32 => random.Next(int.MinValue, int.MaxValue),
        FieldType.UInt32 or FieldType.Fixed32 => (uint)random.Next(),
        FieldType.Int64 or FieldType.SInt64 or FieldType.SFixed64 => random.NextInt64(long.MinValue, long.MaxValue),
        FieldType.UInt64 or FieldType.Fixed64 => (ulong)random.NextInt64(),
        FieldType.Double => random.NextDouble() * 1e6,
        FieldType.Float => (float)(random.NextDouble() * 1e3),
        _ => null,
    };
}
