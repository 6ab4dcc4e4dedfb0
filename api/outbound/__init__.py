"""The outbound delivery queue: messages the bot delivers without the consumer writing first."""
