// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// A minimal contract wallet: its owner sends calls through it, and it accepts the owner's
/// signatures through ERC-1271, as smart accounts do. The contract that created it may pass on
/// a call its owner made (a factory deploying and using it in one transaction).
contract SmartWallet {
    address public immutable owner;
    address public immutable creator;

    constructor(address owner_) {
        owner = owner_;
        creator = msg.sender;
    }

    function executeFor(address caller, address target, uint256 value, bytes calldata data)
        external
        returns (bytes memory)
    {
        require(msg.sender == creator && caller == owner, "SmartWallet: creator for owner");
        (bool ok, bytes memory result) = target.call{value: value}(data);
        require(ok, "SmartWallet: call failed");
        return result;
    }

    receive() external payable {}

    function execute(address target, uint256 value, bytes calldata data) external returns (bytes memory) {
        require(msg.sender == owner, "SmartWallet: owner");
        (bool ok, bytes memory result) = target.call{value: value}(data);
        require(ok, "SmartWallet: call failed");
        return result;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 65) return 0xffffffff;
        bytes32 r = bytes32(signature[0:32]);
        bytes32 s = bytes32(signature[32:64]);
        uint8 v = uint8(signature[64]);
        if (v < 27) v += 27;
        return ecrecover(hash, v, r, s) == owner ? bytes4(0x1626ba7e) : bytes4(0xffffffff);
    }
}
