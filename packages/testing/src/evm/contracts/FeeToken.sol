// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import "./TestToken.sol";

/// A fee-on-transfer token: 1% of every transfer goes to the deployer, so the recipient's
/// Transfer log shows less than the sender sent.
contract FeeToken is TestToken {
    address public immutable feeCollector;

    constructor(string memory name_, string memory symbol_, uint8 decimals_)
        TestToken(name_, symbol_, decimals_)
    {
        feeCollector = msg.sender;
    }

    function _move(address from, address to, uint256 value) internal override {
        uint256 fee = value / 100;
        super._move(from, to, value - fee);
        super._move(from, feeCollector, fee);
    }
}
